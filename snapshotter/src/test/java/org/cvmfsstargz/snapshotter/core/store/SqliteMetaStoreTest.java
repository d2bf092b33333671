package org.cvmfsstargz.snapshotter.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.Statement;
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
}
