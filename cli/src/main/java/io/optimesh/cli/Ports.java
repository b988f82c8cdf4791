package io.optimesh.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** Whether a TCP port can be listened on, and when it cannot, which process holds it. */
public final class Ports {

    private static final String LISTEN = "0A";

    private Ports() {
    }

    /** True when a server could bind the port on every interface, as the services and broker do. */
    public static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            // Servers set SO_REUSEADDR, so connections of a stopped mesh in TIME_WAIT do not block them.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Fails with one line per taken port, naming who holds it, and a last line saying what to do. */
    public static void requireFree(Map<String, Integer> ports) {
        List<String> problems = new ArrayList<>();
        ports.forEach((name, port) -> {
            if (!isFree(port)) {
                problems.add(inUse(name, port));
            }
        });
        if (!problems.isEmpty()) {
            problems.add("Is a mesh already up? run ./optimesh down. Otherwise stop " + (problems.size() == 1
                    ? "that process" : "those processes") + " or move the mesh with --base-port / --kafka-port.");
            throw new MeshException(String.join("\n", problems));
        }
    }

    static String inUse(String name, int port) {
        return "port " + port + " is in use" + holder(port).map(p -> " by pid " + p.pid() + describe(p)).orElse("")
                + "; " + name + " needs it.";
    }

    /**
     * The process listening on the port, found through /proc (Linux, and only processes this user may
     * inspect); empty elsewhere.
     */
    public static Optional<ProcessHandle> holder(int port) {
        OptionalLong inode = listeningInode(port);
        if (inode.isEmpty()) {
            return Optional.empty();
        }
        String socket = "socket:[" + inode.getAsLong() + "]";
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                if (holdsSocket(proc.resolve("fd"), socket)) {
                    return ProcessHandle.of(Long.parseLong(proc.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static boolean holdsSocket(Path fdDir, String socket) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(fdDir)) {
            for (Path fd : fds) {
                try {
                    if (socket.equals(Files.readSymbolicLink(fd).toString())) {
                        return true;
                    }
                } catch (IOException e) {
                    // The descriptor closed while we looked; the others may still match.
                }
            }
        } catch (IOException | SecurityException e) {
            return false;
        }
        return false;
    }

    private static OptionalLong listeningInode(int port) {
        String hexPort = String.format(Locale.ROOT, "%04X", port);
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(table));
            } catch (IOException e) {
                continue;
            }
            // Columns: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] cols = line.trim().split("\\s+");
                if (cols.length > 9 && cols[1].endsWith(":" + hexPort) && LISTEN.equals(cols[3])) {
                    return OptionalLong.of(Long.parseLong(cols[9]));
                }
            }
        }
        return OptionalLong.empty();
    }

    /** {@code (java ... -jar x/quarkus-run.jar)}: the program and its last two arguments say what it is. */
    private static String describe(ProcessHandle process) {
        ProcessHandle.Info info = process.info();
        Optional<String> program = info.command().map(c -> Path.of(c).getFileName().toString());
        if (program.isEmpty()) {
            return "";
        }
        String[] args = info.arguments().orElse(new String[0]);
        String shown = args.length <= 3 ? String.join(" ", args)
                : "... " + args[args.length - 2] + " " + args[args.length - 1];
        return " (" + (program.get() + " " + shown).trim() + ")";
    }
}
