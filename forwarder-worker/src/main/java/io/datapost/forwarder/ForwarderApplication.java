package io.datapost.forwarder;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class ForwarderApplication {
    public static void main(String[] args) {
        SpringApplication.run(ForwarderApplication.class, args);
    }
}
