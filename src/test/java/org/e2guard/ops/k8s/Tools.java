package org.e2guard.ops.k8s;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Assumptions;

/**
 * Finds the external tools the deployment tests run: kubectl (for kustomize) and promtool.
 * scripts/ops-tools.sh puts them in .tools/bin (CI runs it first). In CI a missing tool fails the
 * test; on a developer machine without it the test is skipped with the command to run.
 */
final class Tools {
    private Tools() {
    }

    static Path kubectl() {
        return find("kubectl", "KUBECTL");
    }

    static Path promtool() {
        return find("promtool", "PROMTOOL");
    }

    private static Path find(String name, String envVar) {
        Optional<Path> found = Optional.ofNullable(System.getenv(envVar)).map(Path::of).filter(Files::isExecutable)
                .or(() -> Optional.of(Path.of(".tools/bin", name).toAbsolutePath()).filter(Files::isExecutable))
                .or(() -> onPath(name));
        if (found.isPresent()) {
            return found.get();
        }
        String message = name + " not found: run scripts/ops-tools.sh (or set " + envVar + ")";
        if (System.getenv("CI") != null) {
            fail(message);
        }
        Assumptions.abort(message);
        return null;
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
