package dev.registrycache.supervisor;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Every line a started process prints, collected by a daemon thread as it comes. */
final class OutputLines {
    private OutputLines() {}

    static List<String> follow(Process process) {
        List<String> lines = new CopyOnWriteArrayList<>();
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
                    }
                },
                "output-of-" + process.pid());
        reader.setDaemon(true);
        reader.start();
        return lines;
    }
}
