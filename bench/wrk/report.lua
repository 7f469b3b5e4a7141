-- What bench/bench_table.py reads of a wrk run: one line with the counts and the latency
-- percentiles (wrk's own --latency lists 50/75/90/99, the budgets need the 95th).
function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d connect=%d read=%d write=%d status=%d timeout=%d "
      .. "p50_us=%d p95_us=%d p99_us=%d\n",
    summary.requests, summary.duration, errors.connect, errors.read, errors.write,
    errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
