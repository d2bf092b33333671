package org.cvmfsstargz.it.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.cvmfsstargz.it.support.FsChange;
import org.cvmfsstargz.it.support.FsTree;
import org.cvmfsstargz.proto.types.Mount;

/**
 * Builds a chain of committed snapshots, one per layer of changes, and checks after each layer
 * that a mounted View of the new snapshot equals a plain directory that received the same changes
 * (the helpers {@code createSnapshot}/{@code checkSnapshot}/{@code checkSnapshots} of containerd's
 * suite). Uses the session's daemon and mounter; not thread-safe.
 */
final class LayerChain {
    private final SnapshotterSession session;

    LayerChain(SnapshotterSession session) {
        this.session = session;
    }

    /**
     * Commits one snapshot per layer, each on the previous one, and asserts every View equals the
     * flat directory. Returns the committed names, bottom first.
     */
    List<String> checkSnapshots(FsChange... layers) throws IOException {
        Path flat = Files.createTempDirectory(session.work(), "flat");
        String parent = "";
        List<String> names = new ArrayList<>();
        for (int i = 0; i < layers.length; i++) {
            String name = createSnapshot(parent, layers[i]);
            layers[i].apply(flat);
            checkSnapshot(name, flat, "layer " + (i + 1));
            names.add(name);
            parent = name;
        }
        return names;
    }

    /** Prepares on {@code parent}, applies {@code layer} through a real mount, commits; returns the name. */
    String createSnapshot(String parent, FsChange layer) throws IOException {
        String name = "layer-" + Long.toUnsignedString(ThreadLocalRandom.current().nextLong());
        String prepare = name + "-prepare";
        List<Mount> mounts = session.client().prepare(prepare, parent);
        Path target = Files.createTempDirectory(session.work(), "prepare");
        session.mounter().mountAll(mounts, target);
        try {
            layer.apply(target);
        } finally {
            session.mounter().unmount(target);
            Files.delete(target);
        }
        session.client().commit(name, prepare);
        return name;
    }

    /** Mounts a View of {@code name} and asserts it equals {@code expected}; removes the view after. */
    void checkSnapshot(String name, Path expected, String what) throws IOException {
        String view = name + "-view";
        List<Mount> mounts = session.client().view(view, name);
        Path target = Files.createTempDirectory(session.work(), "check");
        try {
            session.mounter().mountAll(mounts, target);
            try {
                assertThat(FsTree.differences(expected, target))
                        .as("View of %s (%s) against the flat directory; mounts %s", name, what, mounts)
                        .isEmpty();
            } finally {
                session.mounter().unmount(target);
            }
        } finally {
            Files.delete(target);
            session.client().remove(view);
        }
    }
}
