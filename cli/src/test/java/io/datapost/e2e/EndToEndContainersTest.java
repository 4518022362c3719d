package io.datapost.e2e;

import java.sql.SQLException;

import javax.sql.DataSource;

import org.junit.jupiter.api.Tag;
import org.postgresql.ds.PGSimpleDataSource;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The same pipeline scenario on containers (apache/kafka and postgres images), for machines with Docker.
 * Without a Docker engine JUnit reports it as skipped, never as passed.
 */
@Tag("integration")
@Testcontainers(disabledWithoutDocker = true)
class EndToEndContainersTest extends PipelineScenario {

    private KafkaContainer kafka;
    private PostgreSQLContainer postgres;

    @Override
    String startKafka() {
        kafka = new KafkaContainer("apache/kafka:4.1.1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1");
        kafka.start();
        return kafka.getBootstrapServers();
    }

    @Override
    void startDatabase() {
        postgres = new PostgreSQLContainer("postgres:16");
        postgres.start();
    }

    @Override
    String jdbcUrl() {
        return postgres.getJdbcUrl();
    }

    @Override
    String jdbcUser() {
        return postgres.getUsername();
    }

    @Override
    String jdbcPassword() {
        return postgres.getPassword();
    }

    @Override
    DataSource database() throws SQLException {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setUrl(postgres.getJdbcUrl());
        dataSource.setUser(postgres.getUsername());
        dataSource.setPassword(postgres.getPassword());
        return dataSource;
    }

    @Override
    void stopInfrastructure() {
        if (postgres != null) {
            postgres.stop();
        }
        if (kafka != null) {
            kafka.stop();
        }
    }
}
