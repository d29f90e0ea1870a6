/**
 * The Docker volume plugin (v1 protocol on a unix socket) and the host side of a mount: attach the
 * volume to this host through the node's admin API, NBD to a block device, mkfs on first use, mount.
 * Nothing here talks to Raft or RocksDB; the node is reached only through its admin API.
 */
package dev.cairn.plugin;
