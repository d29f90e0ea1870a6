package dev.cairn.plugin;

import java.nio.file.Path;
import java.util.Set;

/**
 * The host side of a mount: an NBD export becomes a block device, gets a filesystem on first use,
 * and is mounted. {@link LinuxHostMounts} is the real one; unit tests use a fake.
 */
interface HostMounts {

    /** What {@link #mount} set up, everything {@link #release} needs to take it down again. */
    record Mounted(String device, String fuseDir, Path mountpoint) {
    }

    /**
     * Connects a block device to {@code nbdUri}, formats it with {@code filesystem} if (and only if)
     * it is blank, and mounts it at {@code mountpoint}.
     */
    Mounted mount(String volume, String nbdUri, String filesystem, Path mountpoint);

    /** Unmounts and disconnects; never blocks for long; a part already gone is not an error. */
    void release(String volume, String device, String fuseDir, Path mountpoint);

    /** Mount points that are currently mounted under {@code root}. */
    Set<Path> mountedUnder(Path root);

    /** True if this host can format xfs. */
    boolean xfsAvailable();
}
