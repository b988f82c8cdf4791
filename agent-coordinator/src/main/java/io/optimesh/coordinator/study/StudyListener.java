package io.optimesh.coordinator.study;

import com.google.protobuf.Message;

import io.optimesh.v1.Trial;

import java.util.Optional;

/**
 * Told of every event a study applies, right after it is applied and while the study is still
 * locked: listeners see a study's events one at a time and in order, and must return quickly.
 */
public interface StudyListener {

    void applied(StudyAggregate study, Message event, Optional<Trial> changedTrial);
}
