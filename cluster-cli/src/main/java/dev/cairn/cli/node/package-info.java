/**
 * The commands that run and form clusters: {@code node run}, {@code cluster init}, and the
 * embedded three-node {@code dev up|down} cluster. They start processes and call the admin API;
 * node behaviour itself lives in volume-manager.
 */
package dev.cairn.cli.node;
