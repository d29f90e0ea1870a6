package dev.cairn.volume.api;

/**
 * {@code POST /v1/volumes}. {@code sizeBytes} must be a positive multiple of the block size;
 * {@code replicas} 1..5 (0 or absent means the node's default); {@code host} is the node the volume
 * will be used on (its replica comes first), absent for the node that receives the request;
 * {@code filesystem} is what the Docker plugin formats it with on first mount ({@code ext4},
 * {@code xfs}; absent for a raw block volume).
 */
public record CreateVolumeRequest(String name, long sizeBytes, int replicas, String host, String filesystem) {
}
