package io.optimesh.coordinator.events;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.optimesh.v1.StudyCreated;
import io.optimesh.v1.StudyEnded;
import io.optimesh.v1.StudyResumed;
import io.optimesh.v1.TrialCreated;
import io.optimesh.v1.TrialEnded;
import io.optimesh.v1.TrialProgressReported;
import io.optimesh.v1.TrialStarted;
import java.util.Map;
import java.util.Optional;

/** The events of optimesh.studies.v1, by the CloudEvents type their records carry. */
public final class StudyEventTypes {

  private static final Map<String, Parser<? extends Message>> PARSERS =
      Map.of(
          type(StudyCreated.getDefaultInstance()), StudyCreated.parser(),
          type(TrialCreated.getDefaultInstance()), TrialCreated.parser(),
          type(TrialStarted.getDefaultInstance()), TrialStarted.parser(),
          type(TrialProgressReported.getDefaultInstance()), TrialProgressReported.parser(),
          type(TrialEnded.getDefaultInstance()), TrialEnded.parser(),
          type(StudyEnded.getDefaultInstance()), StudyEnded.parser(),
          type(StudyResumed.getDefaultInstance()), StudyResumed.parser());

  private StudyEventTypes() {}

  /** The {@code ce_type} of an event: its message's full name, e.g. optimesh.v1.TrialEnded. */
  public static String type(Message event) {
    return event.getDescriptorForType().getFullName();
  }

  /**
   * The event a record holds, or empty when its type is not a study event this version knows (a
   * newer coordinator's, say), which a replay skips.
   */
  public static Optional<Message> parse(String type, byte[] value)
      throws InvalidProtocolBufferException {
    Parser<? extends Message> parser = PARSERS.get(type);
    return parser == null ? Optional.empty() : Optional.of(parser.parseFrom(value));
  }
}
