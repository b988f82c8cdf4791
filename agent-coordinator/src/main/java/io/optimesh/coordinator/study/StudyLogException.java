package io.optimesh.coordinator.study;

/** The study log could not take or give back events. */
public class StudyLogException extends RuntimeException {

    public StudyLogException(String message, Throwable cause) {
        super(message, cause);
    }
}
