package org.cvmfsstargz.it.conformance;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.cvmfsstargz.it.support.DaemonProcess;
import org.cvmfsstargz.it.support.Mounter;
import org.cvmfsstargz.proto.snapshots.v1.Info;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The daemon under test and a playground for one test class. A short temp directory under /tmp
 * (Unix socket paths must stay under 108 bytes) holds {@code root/} for the daemon, {@code s.sock},
 * and {@code work/} for the test's mount points and flat directories.
 *
 * <p>Two lifecycles. {@link #perTest()}, registered on an instance field, starts a fresh daemon on
 * a fresh root for every test, as containerd's suite gives each test a fresh root.
 * {@link #perClass()}, registered on a static field, keeps one daemon for the class and, after each
 * test, removes every snapshot through the API (children first) and empties {@code work/}; if that
 * fails or leaves anything behind, the daemon and its directory are replaced before the next test.
 * Either way every mount below the directory is undone after each test, the daemon is stopped by
 * PID, and the directory is deleted. When a test fails, the daemon's log and a listing of the
 * directory go to stderr first.
 *
 * <p>Not thread-safe, except {@link #client()}, which may be used from several threads.
 */
final class SnapshotterSession implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterTestExecutionCallback, AfterEachCallback {
    private static final int DUMP_LINES = 400;
    private static final int WIPE_ROUNDS = 64;

    private final boolean shared;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private Path dir;
    private DaemonProcess daemon;
    private SnapshotsClient client;
    private Mounter mounter = new Mounter();

    private SnapshotterSession(boolean shared) {
        this.shared = shared;
    }

    /** A fresh daemon and root for every test; register on an instance field. */
    static SnapshotterSession perTest() {
        return new SnapshotterSession(false);
    }

    /** One daemon for the class, emptied through the API between tests; register on a static field. */
    static SnapshotterSession perClass() {
        return new SnapshotterSession(true);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        if (shared) {
            startFresh();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        if (!shared || daemon == null) {
            startFresh();
        }
        Files.createDirectories(work());
        mounter = new Mounter();
    }

    private void startFresh() throws IOException {
        dir = Files.createTempDirectory(Path.of("/tmp"), "cf");
        daemon = DaemonProcess.start(root(), dir.resolve("s.sock"));
        client = new SnapshotsClient(daemon::snapshots);
    }

    @Override
    public void afterTestExecution(ExtensionContext context) {
        context.getExecutionException().ifPresent(failure -> dumpState(context.getDisplayName()));
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        IOException failure = null;
        try {
            mounter.close();
        } catch (IOException e) {
            failure = e;
        }
        try {
            Mounter.unmountEverythingUnder(dir);
        } catch (IOException e) {
            failure = chain(failure, e);
        }
        channels.forEach(ManagedChannel::shutdownNow);
        channels.clear();
        if (failure == null && shared && daemon != null && daemon.process().isAlive() && wipeSnapshots()) {
            deleteTree(work());
        } else {
            stopAndDelete();
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static IOException chain(IOException first, IOException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        stopAndDelete();
    }

    private void stopAndDelete() throws IOException {
        if (daemon != null) {
            daemon.close();
            daemon = null;
        }
        // A directory with a mount left below it is kept: deleting through the mount could reach
        // outside it, and the leftover mount already failed the test.
        if (dir != null && Files.exists(dir) && Mounter.mountPointsUnder(dir).isEmpty()) {
            deleteTree(dir);
        }
    }

    /** Removes every snapshot, leaves first; true when the daemon then lists none. */
    private boolean wipeSnapshots() {
        try {
            for (int round = 0; round < WIPE_ROUNDS; round++) {
                List<Info> all = client.list();
                if (all.isEmpty()) {
                    return true;
                }
                Set<String> parents = all.stream().map(Info::getParent).collect(Collectors.toSet());
                for (Info info : all) {
                    if (!parents.contains(info.getName())) {
                        client.remove(info.getName());
                    }
                }
            }
        } catch (RuntimeException e) {
            System.err.println("could not empty the shared daemon, replacing it: " + e);
        }
        return false;
    }

    /** The daemon's state directory, as passed to {@code serve --root}. */
    Path root() {
        return dir.resolve("root");
    }

    /** The test's playground, outside the daemon's root. */
    Path work() {
        return dir.resolve("work");
    }

    /** A new directory {@code work/name}, mode 0777 as the Go suite makes them under a cleared umask. */
    Path workDir(String name) throws IOException {
        Path d = Files.createDirectories(work().resolve(name));
        Files.setAttribute(d, "unix:mode", 0777);
        return d;
    }

    DaemonProcess daemon() {
        return daemon;
    }

    SnapshotsClient client() {
        return client;
    }

    Mounter mounter() {
        return mounter;
    }

    /**
     * A second, independent connection to the daemon, closed after the test; {@code configure} may
     * tune the builder (e.g. a small flow-control window).
     */
    ManagedChannel newChannel(Consumer<ManagedChannelBuilder<?>> configure) {
        ManagedChannelBuilder<?> builder =
                Grpc.newChannelBuilder("unix://" + daemon.socket(), InsecureChannelCredentials.create());
        configure.accept(builder);
        ManagedChannel channel = builder.build();
        channels.add(channel);
        return channel;
    }

    private void dumpState(String test) {
        StringBuilder out = new StringBuilder("==== state of failed test " + test + " in " + dir + " ====\n");
        try (var paths = Files.walk(dir)) {
            paths.limit(DUMP_LINES).forEach(p -> out.append(describe(p)).append('\n'));
        } catch (IOException | RuntimeException e) {
            out.append("(listing failed: ").append(e).append(")\n");
        }
        String log = daemon == null ? "" : daemon.logText();
        List<String> lines = log.lines().toList();
        out.append("==== daemon log (last ").append(Math.min(lines.size(), DUMP_LINES)).append(" lines) ====\n");
        lines.subList(Math.max(0, lines.size() - DUMP_LINES), lines.size()).forEach(l -> out.append(l).append('\n'));
        System.err.print(out);
    }

    private static String describe(Path p) {
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            int uid = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            long size = Files.size(p);
            return String.format("%07o %5d %9d %s", mode, uid, size, p);
        } catch (IOException e) {
            return "? " + p + " (" + e.getMessage() + ")";
        }
    }

    private static void deleteTree(Path top) throws IOException {
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException failure) throws IOException {
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
