package dev.cairn.volume.nbd;

import java.util.List;
import java.util.Optional;

/** The exports an NBD server offers: the volumes whose primary is on this node. */
public interface ExportRegistry {

    /** The device for an export name, if this node can serve it now. */
    Optional<BlockDevice> find(String exportName);

    /** Names for NBD_OPT_LIST. */
    List<String> names();
}
