package io.datapost.sink;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class ConversionSinkApplication {
    public static void main(String[] args) {
        SpringApplication.run(ConversionSinkApplication.class, args);
    }
}
