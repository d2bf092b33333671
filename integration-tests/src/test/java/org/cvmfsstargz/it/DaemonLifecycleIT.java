package org.cvmfsstargz.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.StatusRuntimeException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.cvmfsstargz.it.support.DaemonProcess;
import org.cvmfsstargz.proto.snapshots.v1.CommitSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.PrepareSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.StatSnapshotRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the daemon process starts, refuses to start and stops: the socket it creates, the state it
 * will not touch, and the exit codes a service manager sees.
 */
@Timeout(120)
class DaemonLifecycleIT {
    private static final Duration REFUSAL_TIMEOUT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void theSocketIsCreatedWithMode0660InADirectoryThatDidNotExist() throws Exception {
        Path socket = tmp.resolve("new/dir/s.sock");
        try (DaemonProcess daemon = DaemonProcess.start(tmp.resolve("root"), socket)) {
            assertThat(Files.getPosixFilePermissions(socket)).isEqualTo(PosixFilePermissions.fromString("rw-rw----"));
            assertThat(daemon.snapshots().prepare(PrepareSnapshotRequest.newBuilder().setKey("k").build())
                    .getMountsList()).hasSize(1);
        }
    }

    @Test
    void aStaleSocketFileLeftByADeadProcessIsReplaced() throws Exception {
        Path socket = tmp.resolve("s.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket)); // bound then closed: nobody answers any more
        }
        assertThat(socket).exists();
        try (DaemonProcess daemon = DaemonProcess.start(tmp.resolve("root"), socket)) {
            assertThat(DaemonProcess.accepts(socket)).isTrue();
        }
    }

    @Test
    void aSecondDaemonOnALiveSocketIsRefusedAndTheFirstKeepsServing() throws Exception {
        Path socket = tmp.resolve("s.sock");
        try (DaemonProcess first = DaemonProcess.start(tmp.resolve("root1"), socket)) {
            DaemonProcess.Exit second = DaemonProcess.run(REFUSAL_TIMEOUT, List.of("serve", "--root",
                    tmp.resolve("root2").toString(), "--socket", socket.toString()));
            assertThat(second.code()).as(second.output()).isEqualTo(1);
            assertThat(second.output()).contains("another process is serving " + socket);
            first.snapshots().prepare(PrepareSnapshotRequest.newBuilder().setKey("still-served").build());
        }
    }

    @Test
    void aSecondDaemonOnTheSameRootIsRefusedBeforeItTouchesTheChunkCache() throws Exception {
        Path root = tmp.resolve("root");
        try (DaemonProcess first = DaemonProcess.start(root, tmp.resolve("a.sock"))) {
            // What the first daemon's cache has half-written: the cache's opening scan deletes such files.
            Path staged = Files.createDirectories(root.resolve("cache").resolve("ab")).resolve(".tmp-0123456789abcdef");
            Files.write(staged, new byte[] {1, 2, 3});

            DaemonProcess.Exit second = DaemonProcess.run(REFUSAL_TIMEOUT, List.of("serve", "--root",
                    root.toString(), "--socket", tmp.resolve("b.sock").toString()));

            assertThat(second.code()).as(second.output()).isEqualTo(1);
            assertThat(second.output()).contains("root " + root + " is in use");
            assertThat(tmp.resolve("b.sock")).doesNotExist();
            assertThat(staged).as("a write in flight in the first daemon's chunk cache").exists();
        }
    }

    @Test
    void aCorruptDatabaseStopsStartUpAndNothingIsDeleted() throws Exception {
        Path root = tmp.resolve("root");
        Path snapshotDir = Files.createDirectories(root.resolve("snapshots/1/fs"));
        Files.writeString(snapshotDir.resolve("data"), "keep me");
        byte[] garbage = "not an sqlite database ".repeat(300).getBytes();
        Files.write(root.resolve("metadata.db"), garbage);

        DaemonProcess.Exit exit = DaemonProcess.run(REFUSAL_TIMEOUT, List.of("serve", "--root", root.toString(),
                "--socket", tmp.resolve("s.sock").toString()));

        assertThat(exit.code()).as(exit.output()).isEqualTo(1);
        assertThat(exit.output()).contains(root.resolve("metadata.db").toString()).contains("Nothing was changed");
        assertThat(Files.readAllBytes(root.resolve("metadata.db"))).isEqualTo(garbage);
        assertThat(snapshotDir.resolve("data")).hasContent("keep me");
        assertThat(tmp.resolve("s.sock")).doesNotExist();
    }

    @Test
    void aDatabaseWrittenByANewerVersionStopsStartUp() throws Exception {
        Path root = tmp.resolve("root");
        try (DaemonProcess daemon = DaemonProcess.start(root, tmp.resolve("s.sock"))) {
            daemon.snapshots().prepare(PrepareSnapshotRequest.newBuilder().setKey("k").build());
        }
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + root.resolve("metadata.db"));
                Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version=99");
        }
        DaemonProcess.Exit exit = DaemonProcess.run(REFUSAL_TIMEOUT, List.of("serve", "--root", root.toString(),
                "--socket", tmp.resolve("s.sock").toString()));
        assertThat(exit.code()).as(exit.output()).isEqualTo(1);
        assertThat(exit.output()).contains("newer");
        assertThat(root.resolve("snapshots")).isNotEmptyDirectory();
    }

    @Test
    void aConfigurationErrorExitsWithCode2NamingTheFileAndKey() throws Exception {
        Path config = Files.writeString(tmp.resolve("config.toml"), "[daemon]\nsocekt = \"/run/x.sock\"\n");
        DaemonProcess.Exit exit = DaemonProcess.run(REFUSAL_TIMEOUT, List.of("serve", "--config", config.toString()));
        assertThat(exit.code()).as(exit.output()).isEqualTo(2);
        assertThat(exit.output()).contains(config.toString()).contains("daemon.socekt").contains("unknown key");
    }

    @Test
    void sigtermStopsCleanlyWithExitCode0RemovesTheSocketAndKeepsEverySnapshot() throws Exception {
        Path root = tmp.resolve("root");
        Path socket = tmp.resolve("s.sock");
        try (DaemonProcess daemon = DaemonProcess.start(root, socket)) {
            daemon.snapshots().prepare(PrepareSnapshotRequest.newBuilder().setKey("active").build());
            daemon.snapshots().commit(CommitSnapshotRequest.newBuilder().setKey("active").setName("base").build());
            assertThat(daemon.stop()).as(daemon.logText()).isZero();
        }
        assertThat(socket).doesNotExist();
        try (DaemonProcess again = DaemonProcess.start(root, socket)) {
            assertThat(again.snapshots().stat(StatSnapshotRequest.newBuilder().setKey("base").build())
                    .getInfo().getName()).isEqualTo("base");
        }
    }

    @Test
    void anRpcOnAMissingKeyIsNotFoundNotUnknown() throws Exception {
        try (DaemonProcess daemon = DaemonProcess.start(tmp.resolve("root"), tmp.resolve("s.sock"))) {
            StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                    () -> daemon.snapshots().stat(StatSnapshotRequest.newBuilder().setKey("missing").build()));
            assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.NOT_FOUND);
            assertThat(e.getStatus().getDescription()).contains("\"missing\"");
        }
    }
}
