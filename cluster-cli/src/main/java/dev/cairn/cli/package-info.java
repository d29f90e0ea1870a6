/**
 * The {@code cairn} command: Picocli commands that talk to a node's admin API, print tables or
 * JSON, and exit with codes that mean something.
 *
 * <p>No node logic lives here; {@code node run} only starts the volume manager's node.
 */
package dev.cairn.cli;
