package org.cvmfsstargz.snapshotter.core.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The tables of {@link SqliteMetaStore}, by schema version, and the steps from each version to the
 * next. A new database is built by the same steps an old one is migrated by, so both end in the
 * same schema. Each run is one transaction that also sets {@code user_version}: a crash leaves the
 * database at its old version, whole, and the next open migrates it again. Stateless.
 *
 * <p>Version 1: snapshots and their labels. Version 2: which layer source provides a snapshot
 * ({@code snapshots.source}) and the labels it claimed the layer with ({@code source_labels}),
 * which version 1 kept only in the snapshot's labels, where any client's Update could erase them.
 */
final class SqliteSchema {
    /** The schema this code reads and writes. */
    static final int VERSION = 2;
    /**
     * The label in which version 1 recorded a snapshot's source. Read by the migration only: the
     * daemon never reads a label back as its own record.
     */
    static final String V1_SOURCE_LABEL = "containerd.io/snapshot/cvmfs-stargz.source";

    private SqliteSchema() {}

    /** Brings a database at version {@code from} (0: empty) to {@link #VERSION}, in one transaction. */
    static void upgrade(Connection c, int from) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            if (from < 1) {
                createVersion1(s);
            }
            if (from < 2) {
                toVersion2(s);
            }
            s.execute("PRAGMA user_version=" + VERSION);
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private static void createVersion1(Statement s) throws SQLException {
        // AUTOINCREMENT: ids name directories, and must not come back after a snapshot is removed.
        s.execute("""
                CREATE TABLE snapshots (
                  id         INTEGER PRIMARY KEY AUTOINCREMENT,
                  key        TEXT    NOT NULL UNIQUE,
                  kind       TEXT    NOT NULL CHECK (kind IN ('VIEW', 'ACTIVE', 'COMMITTED')),
                  parent_id  INTEGER REFERENCES snapshots (id),
                  created_us INTEGER NOT NULL,
                  updated_us INTEGER NOT NULL,
                  size       INTEGER,
                  inodes     INTEGER
                )""");
        s.execute("CREATE INDEX snapshots_parent ON snapshots (parent_id)");
        s.execute("""
                CREATE TABLE labels (
                  snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
                  name        TEXT    NOT NULL,
                  value       TEXT    NOT NULL,
                  PRIMARY KEY (snapshot_id, name)
                ) WITHOUT ROWID""");
    }

    /**
     * Adds the provenance, taking it from the labels version 1 kept it in: a committed snapshot
     * labelled with a source gets that source, and a copy of all its labels as the labels it was
     * claimed with (version 1 stored the claim's labels on the snapshot). A snapshot whose label a
     * client had already erased stays without a source.
     */
    private static void toVersion2(Statement s) throws SQLException {
        s.execute("ALTER TABLE snapshots ADD COLUMN source TEXT CHECK (source IS NULL OR source <> '')");
        s.execute("""
                CREATE TABLE source_labels (
                  snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
                  name        TEXT    NOT NULL,
                  value       TEXT    NOT NULL,
                  PRIMARY KEY (snapshot_id, name)
                ) WITHOUT ROWID""");
        s.execute("UPDATE snapshots SET source = (SELECT l.value FROM labels l WHERE l.snapshot_id = snapshots.id"
                + " AND l.name = '" + V1_SOURCE_LABEL + "' AND l.value <> '') WHERE kind = 'COMMITTED'");
        s.execute("INSERT INTO source_labels (snapshot_id, name, value) SELECT l.snapshot_id, l.name, l.value"
                + " FROM labels l JOIN snapshots s ON s.id = l.snapshot_id WHERE s.source IS NOT NULL");
    }
}
