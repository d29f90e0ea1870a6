package dev.cairn.plugin;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs host tools (mount, losetup, mkfs, ...) with a time limit and their output captured. */
final class Commands {

    record Result(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }

    private Commands() {
    }

    /** Runs {@code cmd}; exit 124 and what it printed if it took longer than {@code limit} (it is killed). */
    static Result run(List<String> cmd, Duration limit) {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            return new Result(127, cmd.get(0) + ": " + e.getMessage());
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        try {
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new Result(124, String.join(" ", cmd) + " did not finish within " + limit.toSeconds() + " s");
            }
            return new Result(p.exitValue(), out.get(5, TimeUnit.SECONDS).trim());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return new Result(130, "interrupted");
        } catch (Exception e) {
            return new Result(p.exitValue(), "");
        }
    }

    /** Runs {@code cmd} and fails with a message naming the command and its output unless it exits 0. */
    static String check(List<String> cmd, Duration limit) {
        Result r = run(cmd, limit);
        if (!r.ok()) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + r.exit() + "): " + r.output());
        }
        return r.output();
    }

    static boolean available(String tool) {
        for (String dir : List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin")) {
            if (new java.io.File(dir, tool).canExecute()) {
                return true;
            }
        }
        return false;
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
