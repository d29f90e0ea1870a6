/**
 * The admin API's wire types (JSON records) and the input rules shared by the node and the CLI:
 * volume names and byte sizes. No I/O and no node state lives here.
 */
package dev.cairn.volume.api;
