/**
 * A small blocking NBD client (fixed newstyle, NBD_OPT_GO, simple replies) used by Cairn's own
 * tools and tests: crash tests, the Jepsen-style harness and benchmarks drive volumes with it.
 *
 * <p>It shares no code with the server, on purpose: a client written separately from the server
 * checks the server against the protocol text, not against itself.
 */
package dev.cairn.volume.nbdclient;
