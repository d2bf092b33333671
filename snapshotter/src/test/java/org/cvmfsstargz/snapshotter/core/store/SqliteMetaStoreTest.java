package org.cvmfsstargz.snapshotter.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cvmfsstargz.snapshotter.core.Kind;
import org.junit.jupiter.api.Test;

class SqliteMetaStoreTest extends MetaStoreContract {

    @Override
    protected MetaStore open(Path dir) {
        return SqliteMetaStore.open(dir.resolve("metadata.db"));
    }

    @Test
    void aFileThatIsNotADatabaseIsRefusedAndLeftUntouched() throws Exception {
        Path file = dir.resolve("garbage.db");
        byte[] garbage = "this is not sqlite, but somebody's precious data".repeat(200).getBytes();
        Files.write(file, garbage);
        assertThatThrownBy(() -> SqliteMetaStore.open(file))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("Nothing was changed");
        assertThat(Files.readAllBytes(file)).isEqualTo(garbage);
    }

    @Test
    void aDatabaseFromANewerVersionIsRefused() throws Exception {
        Path file = dir.resolve("newer.db");
        SqliteMetaStore.open(file).close();
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version=" + (SqliteMetaStore.SCHEMA_VERSION + 1));
        }
        assertThatThrownBy(() -> SqliteMetaStore.open(file))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("newer");
    }

    @Test
    void aForeignDatabaseIsRefused() throws Exception {
        Path file = dir.resolve("foreign.db");
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE precious (x)");
        }
        assertThatThrownBy(() -> SqliteMetaStore.open(file))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("not written by this daemon");
    }

    /** The schema as version 1 of the daemon wrote it, frozen here: the migration must read exactly this. */
    private static final List<String> VERSION_1 = List.of("""
            CREATE TABLE snapshots (
              id         INTEGER PRIMARY KEY AUTOINCREMENT,
              key        TEXT    NOT NULL UNIQUE,
              kind       TEXT    NOT NULL CHECK (kind IN ('VIEW', 'ACTIVE', 'COMMITTED')),
              parent_id  INTEGER REFERENCES snapshots (id),
              created_us INTEGER NOT NULL,
              updated_us INTEGER NOT NULL,
              size       INTEGER,
              inodes     INTEGER
            )""", "CREATE INDEX snapshots_parent ON snapshots (parent_id)", """
            CREATE TABLE labels (
              snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
              name        TEXT    NOT NULL,
              value       TEXT    NOT NULL,
              PRIMARY KEY (snapshot_id, name)
            ) WITHOUT ROWID""",
            "INSERT INTO snapshots VALUES (1, 'sha256:base', 'COMMITTED', NULL, 1000, 2000, 0, 0)",
            "INSERT INTO snapshots VALUES (2, 'sha256:local', 'COMMITTED', 1, 3000, 3000, 4096, 3)",
            "INSERT INTO snapshots VALUES (5, 'container', 'ACTIVE', 2, 4000, 4000, NULL, NULL)",
            "INSERT INTO labels VALUES (1, 'containerd.io/snapshot/cvmfs-stargz.source', 'estargz')",
            "INSERT INTO labels VALUES (1, 'containerd.io/snapshot/remote', 'remote snapshot')",
            "INSERT INTO labels VALUES (1, 'containerd.io/snapshot/remote/stargz.digest', 'sha256:aa')",
            "INSERT INTO labels VALUES (2, 'containerd.io/snapshot.ref', 'sha256:local')",
            "INSERT INTO labels VALUES (5, 'containerd.io/gc.root', 'now')",
            "PRAGMA user_version=1");

    @Test
    void aVersion1DatabaseIsMigratedAtOpenWithTheSourceTakenFromItsLabelsAndEveryRowIntact() throws Exception {
        Path file = dir.resolve("v1.db");
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            for (String sql : VERSION_1) {
                s.execute(sql);
            }
        }

        try (MetaStore store = SqliteMetaStore.open(file)) {
            store.read(tx -> {
                assertThat(tx.ids()).containsExactly(1L, 2L, 5L);
                SnapshotRecord base = tx.find("sha256:base").orElseThrow();
                assertThat(base.info().labels()).containsEntry("containerd.io/snapshot/remote/stargz.digest", "sha256:aa");
                assertThat(base.info().created()).isEqualTo(java.time.Instant.EPOCH.plusNanos(1_000_000));
                SnapshotRecord local = tx.find("sha256:local").orElseThrow();
                assertThat(local.info().parent()).isEqualTo("sha256:base");
                assertThat(local.usage()).contains(new org.cvmfsstargz.snapshotter.core.Usage(4096, 3));
                SnapshotRecord container = tx.find("container").orElseThrow();
                assertThat(container.info().kind()).isEqualTo(Kind.ACTIVE);
                assertThat(container.info().labels()).isEqualTo(Map.of("containerd.io/gc.root", "now"));
                return null;
            });
            long next = store.write(tx -> tx.insert("new", Kind.ACTIVE, java.util.Optional.empty(), Map.of(),
                    java.time.Instant.EPOCH).id());
            assertThat(next).as("ids stay unique across the migration").isEqualTo(6);
        }
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            assertThat(column(s, "PRAGMA user_version")).containsExactly("2");
            assertThat(column(s, "SELECT key || '=' || coalesce(source, '') FROM snapshots ORDER BY id"))
                    .containsExactly("sha256:base=estargz", "sha256:local=", "container=", "new=");
            assertThat(column(s, "SELECT snapshot_id || ' ' || name || '=' || value FROM source_labels ORDER BY name"))
                    .as("the labels the source was given, copied for it").contains(
                            "1 containerd.io/snapshot/remote/stargz.digest=sha256:aa");
        }
    }

    @Test
    void aMigratedDatabaseOpensAgainUnchanged() throws Exception {
        Path file = dir.resolve("twice.db");
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            for (String sql : VERSION_1) {
                s.execute(sql);
            }
        }
        SqliteMetaStore.open(file).close();
        try (MetaStore store = SqliteMetaStore.open(file)) {
            java.util.Set<Long> ids = store.read(tx -> tx.ids());
            assertThat(ids).containsExactly(1L, 2L, 5L);
        }
    }

    private static List<String> column(Statement s, String sql) throws Exception {
        List<String> values = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
