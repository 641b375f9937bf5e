package dev.registrycache.common;

/** Thrown by the value types' factories when their input is not a valid value. */
public class InvalidValueException extends IllegalArgumentException {
    public InvalidValueException(String message) {
        super(message);
    }
}
