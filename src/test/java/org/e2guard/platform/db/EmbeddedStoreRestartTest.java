package org.e2guard.platform.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded store after {@code kill -9}, for real: a JVM commits rows and is killed; its
 * PostgreSQL is left running on the data directory. The next start must come up at the first try
 * (not wait out the old server's lock) with every committed row, and run with synchronous commits.
 */
class EmbeddedStoreRestartTest {
    @TempDir
    Path tmp;

    @Test
    void aStartAfterKillMinus9StopsTheOrphanAndKeepsEveryCommittedRow() throws Exception {
        Path data = tmp.resolve("e2guard-data");
        Process writer = child("write", data.toString(), "25");
        List<String> out = new ArrayList<>();
        BufferedReader lines = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = lines.readLine()) != null && !line.equals("COMMITTED")) {
            out.add(line);
        }
        assertEquals("COMMITTED", line, () -> "the writer did not commit: " + String.join("\n", out));

        writer.destroyForcibly(); // SIGKILL: no shutdown hook runs, the embedded PostgreSQL stays
        writer.waitFor();
        Optional<ProcessHandle> orphan = StaleServer.postmaster(data.resolve(StaleServer.PID_FILE), data);
        assertTrue(orphan.isPresent(), "the killed JVM's PostgreSQL is still running on the data directory");

        Process reader = child("read", data.toString());
        String answer = new String(reader.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(reader.waitFor(180, TimeUnit.SECONDS), "the restarted store answers");
        assertEquals(0, reader.exitValue(), answer);
        assertTrue(answer.contains("ROWS 25 SYNC on"), answer);
        assertFalse(orphan.get().isAlive(), "the orphaned server was stopped");
    }

    @Test
    void aDataDirectoryInUseByALiveProcessIsNotTouched() throws Exception {
        Path data = tmp.resolve("in-use");
        Process writer = child("write", data.toString(), "1");
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = lines.readLine()) != null && !line.equals("COMMITTED")) {
                // start-up output
            }
            ProcessHandle server = StaleServer.postmaster(data.resolve(StaleServer.PID_FILE), data).orElseThrow();
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> StaleServer.stopOrphan(data));
            assertTrue(e.getMessage().contains("in use by another running e2guard"), e.getMessage());
            assertTrue(server.isAlive(), "a live replica's server is left alone");
        } finally {
            writer.destroy(); // SIGTERM: its shutdown hook stops its PostgreSQL
            writer.waitFor();
        }
    }

    private static Process child(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), EmbeddedStoreChild.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }
}
