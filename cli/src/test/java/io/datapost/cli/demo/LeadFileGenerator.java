package io.datapost.cli.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Writes the demo's synthetic leads ({@code src/main/resources/demo/leads.jsonl}): made-up people from a
 * mixed-culture list of names, {@code example.org}/{@code example.com} emails, fictional 555-01xx phone numbers,
 * real US zip codes with their area codes, documentation-range IP addresses. No real person's data.
 * Deterministic: the same seed gives the same file, which {@code DemoLeadFileTest} checks.
 *
 * <p>Mix: about 8 % invalid emails, 3 % duplicates (the email + phone of an earlier lead), a handful missing a
 * required field. Regenerate with {@code java cli/src/test/java/io/datapost/cli/demo/LeadFileGenerator.java
 * cli/src/main/resources/demo/leads.jsonl}.
 */
public final class LeadFileGenerator {

    public static final long SEED = 20_240_601L;
    public static final int COUNT = 1_250;
    public static final int INVALID_EMAILS = 100;
    public static final int DUPLICATES = 38;
    public static final int MISSING_FIELD = 6;

    /** Display name and, for non-Latin scripts, the ASCII form used in the email address. */
    private record Name(String display, String ascii) {
    }

    /** Given names and family names that go together; some also written in their own script. */
    private record Culture(List<String> first, List<String> last, List<Name> nativeFirst, List<Name> nativeLast) {
        static Culture latin(List<String> first, List<String> last) {
            return new Culture(first, last, List.of(), List.of());
        }
    }

    private static final List<Culture> CULTURES = List.of(
            Culture.latin(List.of("Ana", "José", "María", "Sofía", "Mateo", "Lucía", "Diego", "Valentina"),
                    List.of("Silva", "Núñez", "García", "Hernández", "Martínez", "Rodríguez")),
            new Culture(List.of("Wei", "Li", "Mei", "Jun"), List.of("Chen", "Wang", "Zhang", "Liu"),
                    List.of(new Name("伟", "wei"), new Name("丽", "li")), List.of(new Name("王", "wang"),
                            new Name("陈", "chen"))),
            Culture.latin(List.of("Priya", "Arjun", "Ananya", "Rohan"), List.of("Patel", "Sharma", "Iyer", "Reddy")),
            new Culture(List.of("Fatima", "Omar", "Aisha", "Yusuf", "Mohammed"), List.of("Khan", "Hassan", "Haddad"),
                    List.of(new Name("محمد", "muhammad"), new Name("فاطمة", "fatima")),
                    List.of(new Name("حداد", "haddad"))),
            new Culture(List.of("Olga", "Dmitri", "Natalia"), List.of("Ivanova", "Petrov", "Smirnova"),
                    List.of(new Name("Юлия", "yulia"), new Name("Дмитрий", "dmitri")),
                    List.of(new Name("Иванова", "ivanova"), new Name("Петров", "petrov"))),
            new Culture(List.of("Kenji", "Yuki", "Haruto"), List.of("Tanaka", "Sato", "Suzuki"),
                    List.of(new Name("美咲", "misaki"), new Name("健二", "kenji")),
                    List.of(new Name("田中", "tanaka"), new Name("佐藤", "sato"))),
            Culture.latin(List.of("Chloé", "François", "Émile", "Léa"), List.of("Dubois", "Lefèvre", "Moreau")),
            Culture.latin(List.of("Søren", "Ingrid", "Björn", "Åsa"), List.of("Jensen", "Lindqvist", "Ødegård")),
            Culture.latin(List.of("Jürgen", "Anja", "Zoë"), List.of("Müller", "Schmidt", "Groß")),
            Culture.latin(List.of("Łukasz", "Agnieszka", "Zofia"), List.of("Kowalski", "Nowak", "Wiśniewska")),
            Culture.latin(List.of("Minh", "Linh", "Huong"), List.of("Nguyen", "Tran", "Pham")),
            Culture.latin(List.of("Kwame", "Amara", "Chinedu", "Ngozi"), List.of("Mensah", "Okafor", "Adeyemi")),
            new Culture(List.of("Seo-yeon", "Ji-ho", "Min-jun"), List.of("Kim", "Park", "Lee"),
                    List.of(new Name("지민", "jimin"), new Name("서연", "seoyeon")),
                    List.of(new Name("김", "kim"), new Name("박", "park"))),
            new Culture(List.of("Noa", "Tamar", "Avi"), List.of("Cohen", "Levi", "Mizrahi"),
                    List.of(new Name("נועה", "noa"), new Name("אבי", "avi")),
                    List.of(new Name("כהן", "cohen"), new Name("לוי", "levi"))),
            Culture.latin(List.of("Emma", "Liam", "Olivia", "Noah", "James", "Mary", "Robert", "Patricia",
                    "Michael", "Jennifer", "David", "Linda"), List.of("Smith", "Johnson", "Williams", "Brown",
                    "Jones", "Miller", "Davis")),
            Culture.latin(List.of("Siobhán", "Niamh", "Seán"), List.of("O'Brien", "Murphy", "Ní Bhriain")),
            Culture.latin(List.of("Giulia", "Marco", "Chiara"), List.of("Rossi", "Bianchi", "Esposito")),
            Culture.latin(List.of("Kai", "Leilani", "Sione", "Aroha", "Rangi"), List.of("Kahale", "Fifita", "Ngata")),
            Culture.latin(List.of("Elif", "Mehmet", "Zeynep"), List.of("Çelik", "Şahin", "Yılmaz")),
            Culture.latin(List.of("Sanne", "Daan", "Fleur"), List.of("van der Berg", "de Vries", "Jansen")));

    /** Real zip codes (public geography, not personal data) with an area code of the same city. */
    private static final String[][] PLACES = {
            {"10001", "212"}, {"30301", "404"}, {"60601", "312"}, {"94105", "415"}, {"73301", "512"},
            {"98101", "206"}, {"02108", "617"}, {"33101", "305"}, {"80202", "303"}, {"85001", "602"},
            {"19103", "215"}, {"55401", "612"}, {"97201", "503"}, {"63101", "314"}, {"37201", "615"},
            {"48201", "313"}, {"20001", "202"}, {"89101", "702"}, {"84101", "801"}, {"70112", "504"},
            {"96813", "808"}, {"99501", "907"}, {"27601", "919"}, {"46204", "317"}, {"53202", "414"}};

    private static final String[] COVERAGE = {"auto", "home", "renters", "life"};
    private static final String[] IP_PREFIXES = {"192.0.2.", "198.51.100.", "203.0.113."};
    private static final String[] DOMAINS = {"example.org", "example.com"};
    private static final String[] REQUIRED = {"email", "phone", "first_name", "last_name", "zip"};

    private LeadFileGenerator() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : "cli/src/main/resources/demo/leads.jsonl");
        Files.write(out, generate(), StandardCharsets.UTF_8);
        System.out.println("wrote " + COUNT + " leads to " + out);
    }

    /** The file's lines, one JSON object each. */
    public static List<String> generate() {
        Random random = new Random(SEED);
        // which positions get which defect; duplicates only after the first 100 leads, so there is an original
        Set<Integer> invalid = pick(random, INVALID_EMAILS, 0, COUNT, Set.of());
        Set<Integer> missing = pick(random, MISSING_FIELD, 0, COUNT, invalid);
        Set<Integer> taken = new HashSet<>(invalid);
        taken.addAll(missing);
        Set<Integer> duplicates = pick(random, DUPLICATES, 100, COUNT, taken);

        List<Map<String, String>> leads = new ArrayList<>();
        List<Map<String, String>> validOnes = new ArrayList<>();
        Set<String> emails = new HashSet<>();
        Set<String> identities = new HashSet<>();
        for (int i = 0; i < COUNT; i++) {
            Map<String, String> lead;
            if (duplicates.contains(i)) {
                Map<String, String> original = validOnes.get(random.nextInt(validOnes.size()));
                lead = new LinkedHashMap<>(original);
                // the same person re-submitted by another site: same email (maybe capitalised) and phone
                if (random.nextBoolean()) {
                    lead.put("email", capitalise(original.get("email")));
                }
                lead.put("ip", ip(random));
            } else {
                lead = person(random, emails, identities);
                if (invalid.contains(i)) {
                    lead.put("email", breakEmail(lead.get("email"), random));
                } else if (missing.contains(i)) {
                    lead.remove(REQUIRED[random.nextInt(REQUIRED.length)]);
                } else {
                    validOnes.add(lead);
                }
            }
            leads.add(lead);
        }
        List<String> lines = new ArrayList<>();
        for (Map<String, String> lead : leads) {
            lines.add(toJson(lead));
        }
        return lines;
    }

    private static Map<String, String> person(Random random, Set<String> emails, Set<String> identities) {
        Culture culture = CULTURES.get(random.nextInt(CULTURES.size()));
        Name first;
        Name last;
        if (!culture.nativeFirst().isEmpty() && random.nextInt(5) == 0) {
            first = culture.nativeFirst().get(random.nextInt(culture.nativeFirst().size()));
            last = culture.nativeLast().get(random.nextInt(culture.nativeLast().size()));
        } else {
            first = new Name(culture.first().get(random.nextInt(culture.first().size())), null);
            last = new Name(culture.last().get(random.nextInt(culture.last().size())), null);
        }
        String[] place = PLACES[random.nextInt(PLACES.length)];
        String email;
        do {
            email = email(ascii(first), ascii(last), random);
        } while (!emails.add(email));
        String phone;
        do {
            phone = phone(place[1], random);
        } while (!identities.add(email + "|" + phone.replaceAll("\\D", "")));
        LocalDate dob = LocalDate.of(1945, 1, 1).plusDays(random.nextInt(365 * 60));
        Map<String, String> lead = new LinkedHashMap<>();
        lead.put("first_name", first.display());
        lead.put("last_name", last.display());
        lead.put("email", email);
        lead.put("phone", phone);
        lead.put("zip", place[0]);
        lead.put("dob", dob.toString());
        lead.put("coverage_type", COVERAGE[random.nextInt(COVERAGE.length)]);
        lead.put("ip", ip(random));
        return lead;
    }

    private static String email(String first, String last, Random random) {
        String domain = DOMAINS[random.nextInt(DOMAINS.length)];
        String local = switch (random.nextInt(5)) {
            case 0 -> first + "." + last;
            case 1 -> first + last + (10 + random.nextInt(90));
            case 2 -> first.charAt(0) + "." + last;
            case 3 -> first + "_" + last;
            default -> first + "." + last + (1950 + random.nextInt(56));
        };
        return local + "@" + domain;
    }

    /** Mistakes people really make in a form, each one rejected by a strict advertiser. */
    private static String breakEmail(String email, Random random) {
        int at = email.indexOf('@');
        String local = email.substring(0, at);
        String domain = email.substring(at + 1);
        return switch (random.nextInt(7)) {
            case 0 -> local + "@" + domain.substring(0, domain.indexOf('.')); // no top-level domain
            case 1 -> local + "." + domain;                                  // no @
            case 2 -> local + "@@" + domain;
            case 3 -> {                                                       // a space
                int split = 1 + random.nextInt(local.length() - 1);
                yield local.substring(0, split) + " " + local.substring(split) + "@" + domain;
            }
            case 4 -> email + ".";
            case 5 -> local + "@" + domain.replace('.', ',');
            default -> "@" + domain;                                          // no local part
        };
    }

    /** 555-0100 to 555-0199 are reserved for fiction; formats vary as partners send them. */
    private static String phone(String area, Random random) {
        String line = String.format("01%02d", random.nextInt(100));
        return switch (random.nextInt(4)) {
            case 0 -> "(" + area + ") 555-" + line;
            case 1 -> area + "-555-" + line;
            case 2 -> area + "555" + line;
            default -> area + ".555." + line;
        };
    }

    private static String ip(Random random) {
        return IP_PREFIXES[random.nextInt(IP_PREFIXES.length)] + (1 + random.nextInt(254));
    }

    private static String ascii(Name name) {
        if (name.ascii() != null) {
            return name.ascii();
        }
        String folded = Normalizer.normalize(name.display(), Normalizer.Form.NFD).replaceAll("\\p{M}", "")
                .replace("ø", "o").replace("Ø", "O").replace("ł", "l").replace("Ł", "L").replace("ß", "ss")
                .replace("ı", "i");
        return folded.toLowerCase(Locale.ROOT).replaceAll("[^a-z]", "");
    }

    private static String capitalise(String email) {
        return Character.toUpperCase(email.charAt(0)) + email.substring(1);
    }

    private static Set<Integer> pick(Random random, int count, int from, int to, Set<Integer> excluded) {
        Set<Integer> picked = new HashSet<>();
        while (picked.size() < count) {
            int candidate = from + random.nextInt(to - from);
            if (!excluded.contains(candidate)) {
                picked.add(candidate);
            }
        }
        return picked;
    }

    private static String toJson(Map<String, String> lead) {
        StringBuilder json = new StringBuilder("{");
        lead.forEach((key, value) -> {
            if (json.length() > 1) {
                json.append(',');
            }
            json.append('"').append(key).append("\":\"").append(value.replace("\\", "\\\\").replace("\"", "\\\""))
                    .append('"');
        });
        return json.append('}').toString();
    }
}
