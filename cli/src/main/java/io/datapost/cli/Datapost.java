package io.datapost.cli;

public class Datapost {
    public static void main(String[] args) {
    }
}
