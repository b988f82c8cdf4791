package io.optimesh.coordinator.events;

/** CloudEvents Kafka protocol binding, binary mode: the attributes travel as record headers. */
final class CloudEventHeaders {

  static final String SPEC_VERSION = "ce_specversion";
  static final String ID = "ce_id";
  static final String SOURCE = "ce_source";
  static final String TYPE = "ce_type";
  static final String TIME = "ce_time";
  static final String SUBJECT = "ce_subject";
  static final String CONTENT_TYPE = "content-type";

  static final String SPEC_VERSION_1_0 = "1.0";
  static final String PROTOBUF = "application/protobuf";

  private CloudEventHeaders() {}
}
