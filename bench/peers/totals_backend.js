/*
 * Etsy statsd backend for the mwaa-ops benchmark: keeps running totals of every
 * counter and of every timer's sample count across flushes, and rewrites them to
 * a JSON file (config.totalsFile) after each flush, atomically (write + rename).
 * statsd resets counters to 0 after each flush, so the totals live here.
 */
const fs = require('fs');

exports.init = function (startupTime, config, events) {
  const file = config.totalsFile;
  const totals = { counters: {}, timer_counts: {}, flushes: 0, last_flush: 0 };
  events.on('flush', function (timestamp, metrics) {
    for (const [name, value] of Object.entries(metrics.counters)) {
      totals.counters[name] = (totals.counters[name] || 0) + value;
    }
    for (const [name, value] of Object.entries(metrics.timer_counters || {})) {
      totals.timer_counts[name] = (totals.timer_counts[name] || 0) + value;
    }
    totals.flushes += 1;
    totals.last_flush = timestamp;
    fs.writeFileSync(file + '.tmp', JSON.stringify(totals));
    fs.renameSync(file + '.tmp', file);
  });
  return true;
};
