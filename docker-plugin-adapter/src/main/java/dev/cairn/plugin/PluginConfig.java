package dev.cairn.plugin;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How the plugin runs on a host.
 *
 * @param socket        where Docker finds it: {@code /run/docker/plugins/<driver>.sock}; the file
 *                      name without {@code .sock} is the driver name ({@code -d cairn})
 * @param endpoint      the admin API of the Cairn node on this host
 * @param tokenFile     the cluster token (attach, create and remove are changes)
 * @param stateDir      the mount table, the mount points ({@code mnt/<volume>}) and nbdfuse files
 * @param dockerSocket  the Docker engine's API, for reconciling references with running containers
 * @param attachWait    how long a Mount waits for a silent holder to be declared down
 * @param reconcileEvery how often references are checked against Docker
 */
public record PluginConfig(Path socket, URI endpoint, Path tokenFile, Path stateDir, Path dockerSocket,
                           Duration attachWait, Duration reconcileEvery) {

    public String driverName() {
        String f = socket.getFileName().toString();
        return f.endsWith(".sock") ? f.substring(0, f.length() - 5) : f;
    }
}
