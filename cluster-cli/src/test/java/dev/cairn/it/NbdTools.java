package dev.cairn.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the real NBD clients (qemu-io, nbdinfo, fio) and captures what they print. */
final class NbdTools {
    private NbdTools() {
    }

    record Result(int exit, String output) {
    }

    static String uri(NodeProcess node, String export) {
        return "nbd://127.0.0.1:" + node.nbdPort + "/" + export;
    }

    static Result run(List<String> command, int timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command.get(0) + " did not finish in " + timeoutSeconds + " s");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** qemu-io with one -c per command, against an NBD URI. */
    static Result qemuIo(String uri, List<String> commands) {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", "raw"));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(uri);
        return run(cmd, 300);
    }

    static boolean exportListed(NodeProcess node, String export) {
        Result r = run(List.of("nbdinfo", "--list", "--json", "nbd://127.0.0.1:" + node.nbdPort), 20);
        return r.exit() == 0 && r.output().contains("\"export-name\": \"" + export + "\"");
    }
}
