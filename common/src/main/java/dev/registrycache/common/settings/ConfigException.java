package dev.registrycache.common.settings;

/**
 * Bad configuration found at start: the message names the file or variable and the entry that is
 * wrong, and never carries a credential. Processes exit non-zero on it before serving.
 */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
