/**
 * {@code cairn plugin run}: starts the Docker volume plugin beside the node on this host. Only
 * argument handling lives here; the plugin itself is in docker-plugin-adapter.
 */
package dev.cairn.cli.plugin;
