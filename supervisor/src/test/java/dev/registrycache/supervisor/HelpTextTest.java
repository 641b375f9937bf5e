package dev.registrycache.supervisor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command's help is whole sentences: picocli prints each description element as its own
 * paragraph and the first one as the command's summary in the list of commands, so an element
 * that stops mid-sentence shows up cut there.
 */
class HelpTextTest {
    @Test
    void everyDescriptionParagraphIsAWholeSentence() {
        check(new CommandLine(new RegistryCacheMain()));
    }

    @Test
    void aComponentAloneHasTheOptionsAndTheNameItHasInTheWholeTree() {
        CommandLine root = new CommandLine(new RegistryCacheMain());
        root.getSubcommands().forEach((name, whole) -> {
            CommandLine alone = RegistryCacheMain.component(name);
            assertEquals(optionNames(whole), optionNames(alone), name);
            assertTrue(
                    alone.getUsageMessage().startsWith("Usage: registry-cache " + name + " "), alone.getUsageMessage());
        });
        assertEquals(
                "registry-cache admin", RegistryCacheMain.component("admin").getCommandName());
        assertNull(RegistryCacheMain.component("--help"));
        assertNull(RegistryCacheMain.component("nodes"));
    }

    private static List<String> optionNames(CommandLine command) {
        return command.getCommandSpec().options().stream()
                .map(o -> o.longestName())
                .sorted()
                .toList();
    }

    private static void check(CommandLine command) {
        for (String paragraph : command.getCommandSpec().usageMessage().description()) {
            String text = paragraph.strip();
            assertTrue(
                    text.endsWith(".") || text.endsWith(".)"),
                    command.getCommandName() + ": '" + text + "' ends mid-sentence");
            assertTrue(
                    text.chars().filter(c -> c == '(').count()
                            == text.chars().filter(c -> c == ')').count(),
                    command.getCommandName() + ": '" + text + "' leaves a parenthesis open");
        }
        command.getSubcommands().values().forEach(HelpTextTest::check);
    }
}
