package dev.cairn.volume.nbd;

import java.nio.file.Path;

/**
 * How the NBD server listens and what it accepts.
 *
 * @param tcpAddress          host:port to listen on (port 0: any free port)
 * @param unixSocket          a unix socket path to listen on as well, or null
 * @param maxPayload          largest READ or WRITE accepted; larger ones get EINVAL (a write's bytes are skipped)
 * @param advertisedMaxBlock  the maximum block size sent in NBD_INFO_BLOCK_SIZE
 * @param maxInFlightRequests per connection; reading pauses at this many unanswered requests
 * @param maxInFlightBytes    per connection; reading pauses at this many bytes of unanswered reads and writes
 */
public record NbdServerConfig(String tcpAddress, Path unixSocket, int maxPayload, int advertisedMaxBlock,
                              int maxInFlightRequests, long maxInFlightBytes) {

    public static final int DEFAULT_MAX_PAYLOAD = 32 << 20;

    public NbdServerConfig {
        if (maxPayload < 4096 || advertisedMaxBlock > maxPayload) {
            throw new IllegalArgumentException("max payload must be >= 4096 and >= the advertised max block");
        }
    }

    public static NbdServerConfig of(String tcpAddress, Path unixSocket) {
        return new NbdServerConfig(tcpAddress, unixSocket, DEFAULT_MAX_PAYLOAD, DEFAULT_MAX_PAYLOAD, 128, 64L << 20);
    }
}
