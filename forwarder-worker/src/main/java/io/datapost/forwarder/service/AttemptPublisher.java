package io.datapost.forwarder.service;

import java.util.concurrent.CompletableFuture;

import io.datapost.schemas.AdvertiserResponse;

/** Makes one attempt's response durable; the future completes once it is (Kafka acknowledged it). */
@FunctionalInterface
public interface AttemptPublisher {
    CompletableFuture<Void> publish(AdvertiserResponse response);
}
