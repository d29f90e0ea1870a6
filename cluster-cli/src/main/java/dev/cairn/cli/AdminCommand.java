package dev.cairn.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A command that calls the admin API: shared connection options, {@code -o table|json}, and
 * failures printed as "cairn: what; hint: what to do" with a meaningful exit code.
 */
public abstract class AdminCommand implements Callable<Integer> {
    /** Output formats. */
    public enum Format { table, json }

    @Mixin
    protected Connection connection;

    @Option(names = {"-o", "--output"}, description = "table (default) or json")
    protected Format output = Format.table;

    @Spec
    protected CommandSpec spec;

    /** Does the work; returns the document to print as JSON, or null when it printed a table itself. */
    protected abstract JsonNode run(AdminClient client, PrintWriter out);

    @Override
    public final Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            validate();
            JsonNode doc = run(connection.client(), out);
            if (output == Format.json && doc != null) {
                out.println(AdminClient.JSON.writeValueAsString(doc));
            }
            out.flush();
            return ExitCode.OK.code();
        } catch (CliException e) {
            err.println("cairn: " + e.getMessage());
            if (e.hint() != null) {
                err.println("hint: " + e.hint());
            }
            err.flush();
            return e.exit().code();
        } catch (JsonProcessingException e) {
            err.println("cairn: cannot print the reply: " + e.getMessage());
            return ExitCode.FAILED.code();
        }
    }

    /** Checks arguments before anything is sent; throws a {@link CliException} with USAGE. */
    protected void validate() {
    }

    protected static CliException usage(String message, String hint) {
        return new CliException(ExitCode.USAGE, message, hint);
    }

    protected boolean table() {
        return output == Format.table;
    }
}
