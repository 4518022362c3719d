package io.datapost.forwarder.service;

import io.datapost.schemas.AdvertiserResponse;

/** Makes one attempt's response durable; returns only once it is (Kafka acknowledged it). */
@FunctionalInterface
public interface AttemptPublisher {
    void publish(AdvertiserResponse response);
}
