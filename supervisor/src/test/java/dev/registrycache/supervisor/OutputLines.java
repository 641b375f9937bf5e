package dev.registrycache.supervisor;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CopyOnWriteArrayList;

/** Every line a started process prints, collected by a daemon thread as it comes. */
final class OutputLines {
    private OutputLines() {}

    /** The lines so far; {@link #complete()} once the process has closed its output. */
    static final class Lines extends CopyOnWriteArrayList<String> {
        private volatile boolean complete;

        boolean complete() {
            return complete;
        }
    }

    static Lines follow(Process process) {
        Lines lines = new Lines();
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader r = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = r.readLine()) != null) {
                            lines.add(line);
                        }
                    } catch (Exception ignored) {
                        // the process is gone
                    } finally {
                        lines.complete = true;
                    }
                },
                "output-of-" + process.pid());
        reader.setDaemon(true);
        reader.start();
        return lines;
    }
}
