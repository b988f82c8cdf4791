package io.optimesh.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessesTest {

    @TempDir
    Path dir;

    @Test
    void aDetachedProcessLogsToItsFileRunsInItsOwnSessionAndStopsOnSigterm() throws Exception {
        Path log = dir.resolve("logs/svc.log");
        Process p = Processes.startDetached(List.of("sh", "-c", "echo out $GREETING; echo err >&2; exec sleep 30"),
                Map.of("GREETING", "hello"), dir, log);
        ProcessHandle handle = p.toHandle();
        try {
            awaitUntil(() -> Files.exists(log) && Files.readString(log).contains("err"));
            assertThat(Files.readAllLines(log)).containsExactlyInAnyOrder("out hello", "err");
            // The pid is the program's own (setsid ran in place) and it no longer shares our session.
            assertThat(handle.info().command()).hasValueSatisfying(c -> assertThat(c).endsWith("sleep"));
            if (Files.exists(Path.of("/usr/bin/setsid")) || Files.exists(Path.of("/bin/setsid"))) {
                assertThat(sessionOf(handle.pid())).isEqualTo(handle.pid()).isNotEqualTo(sessionOf(ProcessHandle.current().pid()));
            }
        } finally {
            List<ProcessHandle> killed = Processes.stop(List.of(handle), Duration.ofSeconds(10));
            assertThat(killed).isEmpty();
        }
        assertThat(handle.isAlive()).isFalse();
    }

    @Test
    void aProcessIgnoringSigtermIsKilledAfterTheGracePeriod() throws Exception {
        Path log = dir.resolve("stubborn.log");
        Process p = Processes.startDetached(List.of("sh", "-c", "trap '' TERM; echo ready; exec sleep 30"), Map.of(),
                dir, log);
        awaitUntil(() -> Files.exists(log) && Files.readString(log).contains("ready"));
        long begin = System.nanoTime();
        List<ProcessHandle> killed = Processes.stop(List.of(p.toHandle()), Duration.ofSeconds(1));
        assertThat(killed).containsExactly(p.toHandle());
        assertThat(p.isAlive()).isFalse();
        assertThat((System.nanoTime() - begin) / 1e9).isBetween(0.9, 10.0);
    }

    /** Field 6 of /proc/PID/stat; the command name (field 2) may hold spaces, so count after its ')'. */
    static long sessionOf(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(after[3]);
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void awaitUntil(Check check) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!check.ok()) {
            assertThat(System.nanoTime()).as("waited 10 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
