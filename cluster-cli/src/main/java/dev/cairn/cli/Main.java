package dev.cairn.cli;

import dev.cairn.cli.node.ClusterCommand;
import dev.cairn.cli.node.DevCommand;
import dev.cairn.cli.node.NodeCommand;
import dev.cairn.cli.plugin.PluginCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code cairn} executable. */
@Command(name = "cairn", mixinStandardHelpOptions = true, version = "cairn 0.1.0",
        description = "Replicated block storage for Docker hosts.",
        subcommands = {VolumeCommand.class, ClusterCommand.class, NodeCommand.class, PluginCommand.class, DevCommand.class},
        footer = {"", "Exit codes: 0 ok, 1 refused or failed, 2 bad usage, 3 node unreachable, 4 server error."})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return new CommandLine(new Main()).execute(args);
    }
}
