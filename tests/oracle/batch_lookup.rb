#!/usr/bin/env ruby
# Lamina's Hiera oracle: many `puppet lookup` queries answered by ONE real Puppet 7 process.
#
# What it does: it runs the real Puppet::Application::Lookup (same settings, node, facts and compiler
# set-up as `puppet lookup --node N --facts F --hiera_config H --render-as json KEY...`) with a patched
# #main that answers a list of queries in-process, so there is no ~2 s start-up per query and the exact
# LookupError messages (which the CLI hides) are kept. Everything is sandboxed: confdir, codedir, vardir,
# logdir, rundir and environmentpath live in a temporary directory that is removed at exit; nothing
# outside the case directories is read (no facter, no external facts, no server, no SSL).
# It grew out of an earlier in-process oracle script; this copy is the one the project runs (tests/oracle/README.md).
#
# Usage:
#   batch_lookup.rb CASE_DIR FACTS_FILE QUERY_FILE [--bench N]
#   batch_lookup.rb --cases [--write] CASE_DIR...
# QUERY_FILE ('-' = stdin): one query per line, shell-quoted, `puppet lookup` flags after the keys:
#       ntp::servers --merge unique
#       h --merge deep --knock-out-prefix -- --sort-merged-arrays --merge-hash-arrays
#       missing --default fallback
#   Leading directives (paths relative to CASE_DIR; blank lines and #-comments are skipped):
#       @case=DIR    this query belongs to case DIR (its facts.yaml|facts.json and hiera.yaml are the defaults,
#                    and DIR is what messages are normalised against) -- lets one process answer many cases
#       @facts=FILE  facts file for this query (relative to the query's case)
#       @hiera=FILE  global hiera.yaml for this query (relative to the query's case)
# --cases: for each CASE_DIR, run CASE_DIR/queries.txt (all cases in this one process); print
#   {"<CASE_DIR>": [results...], ...}, or with --write store each case's results in CASE_DIR/expected.json.
# Output: a JSON array, one object per query:
#   {"query":"...","status":"found","value":V,"stdout":"<exactly what puppet lookup --render-as json prints>"}
#   {"query":"...","status":"not_found"}
#   {"query":"...","status":"error","error":"<full LookupError/Puppet::Error message>"}
#   (+ "warnings":[...]). Paths in messages are normalised: sandbox -> <SANDBOX>, the query's case dir -> <CASE>.
# --bench N: for each (case, facts, hiera) group, run its queries once, then N more times on the same warm
#   scope; prints "N lookups in T s = R lookups/s" on stderr. With env BENCH_RAW=1 the timed loop calls
#   only Puppet::Pops::Lookup.lookup (no JSON rendering, no log capture).
# Env: NODE (default testnode.example.com), ENVIRONMENT (default production), FRESH_SCOPE (any value:
# a new scope for every query, as separate `puppet lookup` processes have; Puppet caches
# lookup_options per compilation, a failed read included).
# The environment layer: CASE/environment (with its modules/) becomes $environmentpath/$ENVIRONMENT for the
# queries of that case. Caveats: caches (hiera.yaml, data files, lookup_options) live per group exactly as
# in one compile; warn_once warnings appear only on the first query that triggers them.
require 'json'
require 'shellwords'
require 'tmpdir'
require 'fileutils'
require 'puppet/util/command_line'

USAGE = "usage: #{$0} CASE_DIR FACTS_FILE QUERY_FILE [--bench N] | #{$0} --cases [--write] CASE_DIR..."
if ARGV[0] == '--cases'
  ARGV.shift
  WRITE = ARGV.first == '--write' ? (ARGV.shift; true) : false
  abort(USAGE) if ARGV.empty?
  CASE_MODE = true
  CASE_DIRS = ARGV.map { |d| File.expand_path(d) }
  CASE_DIR = CASE_DIRS.first
  BENCH = nil
  ENTRIES = CASE_DIRS.flat_map do |d|
    File.readlines(File.join(d, 'queries.txt')).map(&:strip).reject { |l| l.empty? || l.start_with?('#') }.map { |l| [d, l] }
  end
  DEFAULT_FACTS = nil
else
  abort(USAGE) if ARGV.size < 3
  CASE_MODE = false
  WRITE = false
  CASE_DIR = File.expand_path(ARGV[0])
  DEFAULT_FACTS = File.expand_path(ARGV[1])
  query_file = ARGV[2]
  BENCH = ARGV[3] == '--bench' ? Integer(ARGV[4]) : nil
  lines = (query_file == '-' ? STDIN.readlines : File.readlines(query_file)).map(&:strip).reject { |l| l.empty? || l.start_with?('#') }
  ENTRIES = lines.map { |l| [nil, l] }
end
node_name = ENV['NODE'] || 'testnode.example.com'
env_name = ENV['ENVIRONMENT'] || 'production'

def case_facts(dir)
  %w[facts.yaml facts.json].map { |f| File.join(dir, f) }.find { |f| File.exist?(f) } || File.join(dir, 'facts.yaml')
end

SANDBOX = Dir.mktmpdir('lamina-hiera-oracle')
at_exit { FileUtils.rm_rf(SANDBOX) }
%w[conf code/environments var log run].each { |d| FileUtils.mkdir_p(File.join(SANDBOX, d)) }
ENV_LINK = File.join(SANDBOX, 'code/environments', env_name)
EMPTY_ENV = File.join(SANDBOX, 'empty_environment')
FileUtils.mkdir_p(EMPTY_ENV)
# The environment layer of a case is CASE/environment; the link is re-pointed for each group of queries.
def use_environment_of(case_dir)
  target = File.join(case_dir, 'environment')
  target = EMPTY_ENV unless File.directory?(target)
  return if File.symlink?(ENV_LINK) && File.readlink(ENV_LINK) == target
  File.unlink(ENV_LINK) if File.symlink?(ENV_LINK)
  File.symlink(target, ENV_LINK)
end
use_environment_of(CASE_DIR)
File.write(File.join(SANDBOX, 'conf/puppet.conf'), '')

class OracleLogCollector
  attr_reader :messages
  def initialize; @messages = []; end
  def <<(m); @messages << m; end
end
$oracle_logs = OracleLogCollector.new

require 'puppet'
Puppet::Util::Log.newdesttype :oracle_collect do
  match 'OracleLogCollector'
  def initialize(c); @c = c; end
  def handle(msg); @c << msg; end
end

require 'puppet/application/lookup'
class Puppet::Application::Lookup
  def norm(s, case_dir)
    s.gsub(SANDBOX, '<SANDBOX>').gsub(case_dir, '<CASE>')
  end

  # -> [case_dir, facts_file, hiera_file, query_hash]
  def parse_query(case_dir, line)
    argv = Shellwords.split(line)
    case_dir ||= CASE_DIR
    explicit = {}
    while argv.first =~ /\A@(case|facts|hiera)=(.*)\z/
      argv.shift
      explicit[$1] = $2
    end
    case_dir = File.expand_path(explicit['case'], case_dir) if explicit['case']
    facts = explicit['facts'] ? File.expand_path(explicit['facts'], case_dir) :
              (CASE_MODE || explicit['case'] ? case_facts(case_dir) : DEFAULT_FACTS)
    hiera = File.expand_path(explicit['hiera'] || 'hiera.yaml', case_dir)
    q = { keys: [], merge: nil, prefix: nil, sort: false, mha: false, default: nil, type: nil }
    until argv.empty?
      a = argv.shift
      case a
      when '--merge' then q[:merge] = argv.shift
      when '--knock-out-prefix' then q[:prefix] = argv.shift
      when '--sort-merged-arrays' then q[:sort] = true
      when '--merge-hash-arrays' then q[:mha] = true
      when '--default' then q[:default] = argv.shift
      when '--type' then q[:type] = argv.shift
      else q[:keys] << a
      end
    end
    [case_dir, facts, hiera, q]
  end

  # Mirrors Puppet::Application::Lookup#main option handling (7.23)
  def merge_options_for(q)
    if (q[:sort] || q[:mha] || q[:prefix]) && q[:merge] != 'deep'
      raise _("The options %{deep_merge_opts} are only available with '--merge deep'\n%{run_help}") % { deep_merge_opts: DEEP_MERGE_OPTIONS, run_help: RUN_HELP }
    end
    m = q[:merge]
    return nil if m.nil?
    unless Puppet::Pops::MergeStrategy.strategy_keys.include?(m.to_sym)
      strategies = Puppet::Pops::MergeStrategy.strategy_keys.map { |k| "'#{k}'" }
      raise _("The --merge option only accepts %{strategies}, or %{last_strategy}\n%{run_help}") % { strategies: strategies[0...-1].join(', '), last_strategy: strategies.last, run_help: RUN_HELP }
    end
    return { 'strategy' => m } unless m == 'deep'
    mo = { 'strategy' => 'deep', 'sort_merged_arrays' => q[:sort], 'merge_hash_arrays' => q[:mha] }
    mo['knockout_prefix'] = q[:prefix] if q[:prefix]
    mo
  end

  def run_query(scope, case_dir, line, q, renderer)
    $oracle_logs.messages.clear
    res = begin
      raise _('No keys were given to lookup.') if q[:keys].empty?
      inv = Puppet::Pops::Lookup::Invocation.new(scope, {}, {}, nil)
      type = q[:type] ? Puppet::Pops::Types::TypeParser.singleton.parse(q[:type], scope) : nil
      v = Puppet::Pops::Lookup.lookup(q[:keys], type, q[:default], !q[:default].nil?, merge_options_for(q), inv)
      text = renderer.render(v)
      # `puts renderer.render(result)` is what the CLI does: one newline unless the text ends with one
      stdout = text.end_with?("\n") ? text : text + "\n"
      { 'status' => 'found', 'value' => JSON.parse(text, quirks_mode: true), 'stdout' => stdout }
    rescue Puppet::DataBinding::LookupError => e
      if e.message =~ /\AFunction lookup\(\) did not find a value for/
        { 'status' => 'not_found' }
      else
        { 'status' => 'error', 'error' => norm(e.message, case_dir) }
      end
    rescue StandardError => e
      { 'status' => 'error', 'error' => norm(e.message, case_dir) }
    end
    w = $oracle_logs.messages.select { |m| m.level == :warning }.map { |m| norm(m.to_s.sub(/; *\z/, ''), case_dir) }
    res['warnings'] = w unless w.empty?
    { 'query' => line }.merge(res)
  end

  def main
    renderer = Puppet::Network::FormatHandler.format(:json)
    Puppet::Util::Log.close_all
    Puppet::Util::Log.newdestination($oracle_logs)
    parsed = ENTRIES.map { |(d, l)| [l, *parse_query(d, l)] }
    results = Array.new(parsed.size)
    groups = parsed.each_with_index.group_by { |(_, case_dir, facts, hiera, _), _| [case_dir, facts, hiera] }
    total_n = 0
    total_t = 0.0
    groups.each do |(case_dir, facts, hiera), members|
      options[:fact_file] = facts
      Puppet[:hiera_config] = hiera
      use_environment_of(case_dir)
      begin
        if ENV['FRESH_SCOPE'] && !BENCH
          # One scope per query, as separate `puppet lookup` runs have: Puppet caches a key's
          # lookup_options for a whole compilation, a failed read included.
          members.each do |(line, _, _, _, q), i|
            generate_scope { |scope| results[i] = run_query(scope, case_dir, line, q, renderer) }
          end
          next
        end
        generate_scope do |scope|
          members.each { |(line, _, _, _, q), i| results[i] = run_query(scope, case_dir, line, q, renderer) }
          if BENCH
            t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
            if ENV['BENCH_RAW'] # bare Lookup.lookup calls: no JSON rendering, no log capture
              BENCH.times do
                members.each do |(_, _, _, _, q), _|
                  begin
                    Puppet::Pops::Lookup.lookup(q[:keys], nil, q[:default], !q[:default].nil?, merge_options_for(q),
                                                Puppet::Pops::Lookup::Invocation.new(scope, {}, {}, nil))
                  rescue StandardError
                  end
                end
              end
            else
              BENCH.times { members.each { |(line, _, _, _, q), _| run_query(scope, case_dir, line, q, renderer) } }
            end
            total_t += Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0
            total_n += BENCH * members.size
          end
        end
      rescue StandardError => e # e.g. a bad facts file: every query of the group fails the same way
        members.each { |(line, _, _, _, _), i| results[i] = { 'query' => line, 'status' => 'error', 'error' => norm(e.message, case_dir) } }
      end
    end
    if BENCH && total_n > 0
      STDERR.puts format('%d lookups in %.3f s = %.0f lookups/s (%.1f us/lookup)', total_n, total_t, total_n / total_t, total_t * 1e6 / total_n)
    end
    if CASE_MODE
      by_case = {}
      ENTRIES.each_with_index { |(d, _), i| (by_case[d] ||= []) << results[i] }
      if WRITE
        by_case.each do |d, rs|
          File.write(File.join(d, 'expected.json'), JSON.pretty_generate(rs) + "\n")
          STDERR.puts "wrote #{File.join(d, 'expected.json')} (#{rs.size} answers)"
        end
      else
        puts JSON.pretty_generate(by_case)
      end
    else
      puts JSON.pretty_generate(results)
    end
    exit(0)
  end
end

first_dir = CASE_MODE ? CASE_DIRS.first : CASE_DIR
first_facts = CASE_MODE ? case_facts(first_dir) : DEFAULT_FACTS
args = ['lookup', '--color', 'false',
        '--confdir', "#{SANDBOX}/conf", '--codedir', "#{SANDBOX}/code", '--vardir', "#{SANDBOX}/var",
        '--logdir', "#{SANDBOX}/log", '--rundir', "#{SANDBOX}/run",
        '--environmentpath', "#{SANDBOX}/code/environments", '--environment', env_name,
        '--hiera_config', File.join(first_dir, 'hiera.yaml'),
        '--facts', first_facts, '--node', node_name, '__batch__']
Puppet::Util::CommandLine.new('puppet', args).execute
