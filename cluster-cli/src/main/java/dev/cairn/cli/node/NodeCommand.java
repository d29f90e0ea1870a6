package dev.cairn.cli.node;

import picocli.CommandLine.Command;

/** {@code cairn node ...}. */
@Command(name = "node", mixinStandardHelpOptions = true, description = "Run a node, or join it to a cluster.",
        subcommands = {NodeRunCommand.class, NodeJoinCommand.class})
public final class NodeCommand {
}
