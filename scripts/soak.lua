-- Mixed reads and writes for wrk: 80% reads of lists, details and profiles,
-- 15% updates of one record, 5% creates. Every request is valid, so any
-- non-2xx answer counts as an error.
local token = os.getenv("SOAK_TOKEN")
local json = "application/json"
local quote = "Last year, the two countries recorded a trade volume of $187.5 million."

local reads = {
  "/api/v1/trade-figures/?pair=kz,hu&year=2024",
  "/api/v1/trade-figures/?country=KZ&ordering=-value",
  "/api/v1/investments/?sector=logistics",
  "/api/v1/cultural-landmarks/?search=street",
  "/api/v1/scholarship-programs/?annual_grants_min=100",
  "/api/v1/cultural-initiatives/?pair=HU,KZ",
  "/api/v1/countries/?has_records=true",
  "/api/v1/countries/KZ/partners/",
  "/api/v1/countries/KZ/partners/HU/",
  "/api/v1/trade-figures/1/",
  "/api/v1/sources/1/",
}

local counter = 0

request = function()
  counter = counter + 1
  local roll = math.random(100)
  local headers = { ["Authorization"] = "Token " .. token, ["Content-Type"] = json }
  if roll <= 80 then
    return wrk.format("GET", reads[(counter % #reads) + 1], headers)
  elseif roll <= 95 then
    local body = string.format('{"value": "%d.00", "notes": "soak %d"}', 1000 + counter, counter)
    return wrk.format("PATCH", "/api/v1/trade-figures/2/", headers, body)
  else
    local body = string.format(
      '{"reporter": "KZ", "partner": "HU", "flow": "export", "period_start": "2022-01-01", ' ..
      '"period_end": "2022-12-31", "value": "%d.00", "currency": "USD", "qualifier": "exact", ' ..
      '"source": 1, "source_quote": "%s"}', counter, quote)
    return wrk.format("POST", "/api/v1/trade-figures/", headers, body)
  end
end

local statuses = {}

response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("requests=%d errors=%d p50=%.1fms p99=%.1fms rps=%.1f\n",
    summary.requests, errors, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6)))
end
