/**
 * The node's admin API: HTTP/JSON on Netty. Decoder, one handler that routes, and endpoint classes
 * that validate input and turn it into cluster commands; blocking work runs off the event loop.
 *
 * <p>Nothing here reads Raft state directly: it goes through {@link dev.cairn.volume.admin.AdminBackend}.
 */
package dev.cairn.volume.admin;
