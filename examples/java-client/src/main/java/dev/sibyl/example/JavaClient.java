// The DataStax Java driver 4.x against a Sibyl or Cassandra cluster: the seed 000 session, prepared statements at
// LOCAL_QUORUM through the driver's default DC-aware policy (every coordinator must be in the local DC), paging over
// 10,000 rows, and the driver's token map (replicas for 1,000 keys) checked against `nodetool getendpoints`.
// Prints one `OK <step>` line per step and exits non-zero at the first failure.
//
//   java -cp target/classes:target/lib/* dev.sibyl.example.JavaClient HOST PORT DC "NODETOOL COMMAND…" [CHECKED_KEYS]
//       [REPLICATION]
// REPLICATION is the java_client keyspace's replication map, e.g.
// "{'class': 'NetworkTopologyStrategy', 'WESTUS': 3, 'EASTUS': 3}" on the two-region preset (default: SimpleStrategy, 1).
package dev.sibyl.example;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.*;
import com.datastax.oss.driver.api.core.metadata.Node;
import com.datastax.oss.driver.api.core.metadata.TokenMap;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.*;
import java.util.concurrent.*;
import java.util.stream.Collectors;

public final class JavaClient {
  private static final int ROWS = 10_000;
  private static final int TOKEN_KEYS = 1_000;

  public static void main(String[] args) throws Exception {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    String dc = args[2];
    String nodetool = args.length > 3 ? args[3] : "";
    int checkedKeys = args.length > 4 ? Integer.parseInt(args[4]) : 20;
    String replication = args.length > 5 && !args[5].isBlank() ? args[5] : "{'class': 'SimpleStrategy', 'replication_factor': 1}";
    try (CqlSession session = CqlSession.builder().addContactPoint(new InetSocketAddress(host, port)).withLocalDatacenter(dc).build()) {
      // The driver negotiates the highest version both sides speak: v5 against Cassandra 4+ (and Sibyl).
      System.out.println("OK protocol " + session.getContext().getProtocolVersion());
      seed000(session, args.length > 5 && !args[5].isBlank() ? replication : null);
      prepared(session, dc, replication);
      paging(session);
      tokenMap(session, nodetool, checkedKeys);
      ddl(session, "DROP KEYSPACE IF EXISTS customers_ks");
      ddl(session, "DROP KEYSPACE IF EXISTS java_client");
    }
  }

  /**
   * Schema changes get more than the driver's 2 s request timeout: dropping a keyspace removes its data on every
   * replica's disk, which a loaded machine may not finish in 2 s (the driver then waits for schema agreement anyway).
   */
  private static void ddl(CqlSession s, String cql) {
    s.execute(SimpleStatement.newInstance(cql).setTimeout(java.time.Duration.ofSeconds(20)));
  }

  private static void check(boolean ok, String what) {
    if (!ok) throw new IllegalStateException("FAILED: " + what);
  }

  /**
   * The cqlsh session of seed 000: RF 3 on one node is accepted, LOCAL_ONE writes need one replica. On a multi-DC
   * cluster the keyspace takes the given replication instead: under SimpleStrategy some tokens would have no replica
   * in the local DC, and LOCAL_ONE (the driver's default) is Unavailable for them, on Cassandra as on Sibyl.
   */
  private static void seed000(CqlSession s, String replication) {
    ddl(s, "DROP KEYSPACE IF EXISTS customers_ks");
    ddl(s, "CREATE KEYSPACE customers_ks WITH REPLICATION = "
        + (replication != null ? replication : "{ 'class' : 'SimpleStrategy', 'replication_factor' : 3 }"));
    ddl(s, "CREATE TABLE customers_ks.Customers(customer_id int PRIMARY KEY, firstname text, lastname text)");
    s.execute("INSERT INTO customers_ks.Customers(customer_id, firstname, lastname) VALUES(1, 'John', 'Doe')");
    s.execute("INSERT INTO customers_ks.Customers(customer_id, firstname, lastname) VALUES (2, 'Jane', 'Doe')");
    ResultSet rs = s.execute("SELECT * FROM customers_ks.Customers");
    List<String> columns = new ArrayList<>();
    rs.getColumnDefinitions().forEach(c -> columns.add(c.getName().asInternal()));
    check(columns.equals(List.of("customer_id", "firstname", "lastname")), "seed 000 columns " + columns);
    Set<String> rows = rs.all().stream().map(r -> r.getInt(0) + " " + r.getString(1) + " " + r.getString(2)).collect(Collectors.toSet());
    check(rows.equals(Set.of("1 John Doe", "2 Jane Doe")), "seed 000 rows " + rows);
    System.out.println("OK seed000 " + columns + " " + new TreeSet<>(rows));
  }

  /**
   * Prepared INSERT of 10,000 rows, 128 in flight, at LOCAL_QUORUM (what a DC-aware application would use); the
   * driver's default load-balancing policy must send every request to a coordinator in the local DC.
   */
  private static void prepared(CqlSession s, String dc, String replication) throws Exception {
    ddl(s, "DROP KEYSPACE IF EXISTS java_client");
    ddl(s, "CREATE KEYSPACE java_client WITH replication = " + replication);
    ddl(s, "CREATE TABLE IF NOT EXISTS java_client.rows (p int, c int, v text, PRIMARY KEY (p, c))");
    PreparedStatement insert = s.prepare("INSERT INTO java_client.rows (p, c, v) VALUES (?, ?, ?)");
    Semaphore inFlight = new Semaphore(128);
    List<CompletableFuture<?>> all = new ArrayList<>();
    Map<String, Integer> coordinators = new ConcurrentHashMap<>();
    for (int i = 0; i < ROWS; i++) {
      inFlight.acquire();
      BoundStatement b = insert.bind(i % 100, i, "v" + i).setConsistencyLevel(ConsistencyLevel.LOCAL_QUORUM);
      all.add(s.executeAsync(b).toCompletableFuture().whenComplete((r, e) -> {
        if (r != null) {
          Node c = r.getExecutionInfo().getCoordinator();
          coordinators.merge(c.getDatacenter() + "/" + c.getEndPoint(), 1, Integer::sum);
        }
        inFlight.release();
      }));
    }
    CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).get(120, TimeUnit.SECONDS);
    List<String> remote = coordinators.keySet().stream().filter(c -> !c.startsWith(dc + "/")).collect(Collectors.toList());
    check(remote.isEmpty(), "LOCAL_QUORUM writes coordinated outside " + dc + ": " + remote);
    PreparedStatement one = s.prepare("SELECT v FROM java_client.rows WHERE p = ? AND c = ?");
    Row r = s.execute(one.bind(42, 4242)).one();
    check(r != null && "v4242".equals(r.getString("v")), "prepared read-back");
    System.out.println("OK prepared " + ROWS + " rows at LOCAL_QUORUM, coordinated by " + coordinators.size() + " node(s), all in " + dc);
  }

  /** All 10,000 rows through pages of 500: the driver follows the paging state across partitions. */
  private static void paging(CqlSession s) {
    ResultSet rs = s.execute(SimpleStatement.newInstance("SELECT p, c FROM java_client.rows").setPageSize(500));
    int n = 0;
    int pages = 1;
    Set<Integer> seen = new HashSet<>();
    for (Row r : rs) {
      n++;
      seen.add(r.getInt("c"));
      if (rs.getAvailableWithoutFetching() == 0 && !rs.isFullyFetched()) pages++;
    }
    check(n == ROWS && seen.size() == ROWS, "paging saw " + n + " rows, " + seen.size() + " distinct");
    check(pages >= ROWS / 500, "paging used " + pages + " pages");
    System.out.println("OK paging " + n + " rows in " + pages + " pages");
  }

  /**
   * Replicas of 1,000 keys from the driver's token map; the first `checked` compared with nodetool getendpoints, four
   * nodetool processes at a time (one per key, as an operator would run it).
   */
  private static void tokenMap(CqlSession s, String nodetool, int checked) throws Exception {
    TokenMap map = s.getMetadata().getTokenMap().orElseThrow(() -> new IllegalStateException("no token map"));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<String>> mismatches = new ArrayList<>();
    try {
      for (int key = 0; key < TOKEN_KEYS; key++) {
        ByteBuffer pk = ByteBuffer.allocate(4).putInt(0, key);
        Set<Node> replicas = map.getReplicas("java_client", pk);
        check(!replicas.isEmpty(), "no replica for key " + key);
        if (key >= checked || nodetool.isEmpty()) continue;
        Set<String> driver = replicas.stream().map(n -> ((InetSocketAddress) n.getBroadcastRpcAddress().orElseThrow()).getAddress().getHostAddress()).collect(Collectors.toSet());
        int k = key;
        mismatches.add(pool.submit(() -> {
          Set<String> tool = getEndpoints(nodetool, k);
          return driver.equals(tool) ? null : "key " + k + ": driver " + driver + ", nodetool " + tool;
        }));
      }
      for (Future<String> m : mismatches) {
        String mismatch = m.get(300, TimeUnit.SECONDS);
        check(mismatch == null, mismatch);
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.println("OK tokenmap " + TOKEN_KEYS + " keys, " + mismatches.size() + " checked against nodetool getendpoints");
  }

  private static Set<String> getEndpoints(String nodetool, int key) throws Exception {
    List<String> cmd = new ArrayList<>(Arrays.asList(nodetool.trim().split("\\s+")));
    cmd.addAll(List.of("getendpoints", "java_client", "rows", String.valueOf(key)));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    Set<String> out = new HashSet<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
      for (String line; (line = r.readLine()) != null; ) if (!line.isBlank()) out.add(line.trim());
    }
    check(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "nodetool getendpoints exited " + p.exitValue());
    return out;
  }
}
