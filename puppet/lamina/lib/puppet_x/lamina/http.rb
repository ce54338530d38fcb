# frozen_string_literal: true

# HTTP client shared by the lamina::data_hash and lamina::lookup_key Hiera backends.
#
# Only the Ruby standard library is used (net/http, json, uri, openssl), so the module works in
# `puppet apply`, `puppet lookup` and puppetserver (JRuby) without installing any gem.
require 'json'
require 'net/http'
require 'openssl'
require 'uri'

module PuppetX
  module Lamina
    # GET a JSON object from a `lamina serve` endpoint.
    module Http
      DEFAULT_TIMEOUT = 5
      # The body excerpt put in an error message: enough for the server's one-line reason.
      MAX_REASON = 300

      # Characters a path segment keeps as they are (RFC 3986 unreserved, plus `:` for `a::b`).
      SEGMENT_KEEP = /[^A-Za-z0-9\-._~:]/.freeze

      # The outcome of a GET: the parsed JSON object (`found`), or `:not_found` for a 404.
      #
      # @param function [String] the calling function, named in errors
      # @param url [String] the absolute http(s) URL
      # @param options [Hash] the hiera.yaml `options` of the level
      # @return [Hash, Symbol] the JSON object, or :not_found on a 404
      # @raise [Puppet::DataBinding::LookupError] on any other outcome
      def self.get_json(function, url, options)
        uri = parse(function, url)
        shown = redact(uri)
        http = connection(function, uri, options)
        request = Net::HTTP::Get.new(uri.request_uri)
        request['Accept'] = 'application/json'
        request['User-Agent'] = 'lamina-puppet'
        # Credentials may sit in the URL's user-info; they are sent as Basic auth and never shown.
        if uri.user
          request.basic_auth(URI.decode_www_form_component(uri.user), URI.decode_www_form_component(uri.password.to_s))
        end
        (options['headers'] || {}).each { |name, value| request[name.to_s] = value.to_s }

        response = begin
          http.start { |conn| conn.request(request) }
        rescue Net::OpenTimeout, Net::ReadTimeout, Timeout::Error
          fail_with(function, shown, "timed out after #{timeout_of(options)} s")
        rescue OpenSSL::SSL::SSLError => e
          fail_with(function, shown, "TLS error: #{e.message}")
        rescue SocketError, SystemCallError, IOError, EOFError => e
          fail_with(function, shown, "#{e.class}: #{e.message}")
        end

        case response.code.to_i
        when 200
          parse_object(function, shown, response.body)
        when 404
          # Only the server's own "unknown host / key not found" is a not-found: a 404 of a proxy
          # or of a wrong path in the uri would make Puppet skip the level and compile without it.
          unless response['X-Lamina-Revision']
            fail_with(function, shown, 'HTTP 404 not answered by lamina serve (is the uri right?)')
          end
          :not_found
        else
          fail_with(function, shown, "HTTP #{response.code}#{reason(response.body)}")
        end
      end

      # Percent-encode a string for use as one URL path segment.
      def self.encode_segment(text)
        text.gsub(SEGMENT_KEEP) { |c| c.unpack('C*').map { |b| format('%%%02X', b) }.join }
      end

      # The URL as it may appear in a message: no user-info, no query (either may hold a secret).
      def self.redact(uri)
        shown = uri.dup
        shown.user = nil
        shown.password = nil
        shown.query = nil
        shown.to_s + (uri.query ? '?...' : '')
      rescue StandardError
        '<unprintable URL>'
      end

      # Escape `%{` in every string (keys too): the server has already interpolated the values, so
      # a `%{` left in them is literal text (e.g. from `%{literal('%')}`), and Puppet would
      # interpolate what a data_hash function returns once more.
      def self.escape_interpolation(value)
        case value
        when String
          value.include?('%{') ? value.gsub('%{', "%{literal('%')}{") : value
        when Array
          value.map { |v| escape_interpolation(v) }
        when Hash
          value.each_with_object({}) { |(k, v), out| out[escape_interpolation(k)] = escape_interpolation(v) }
        else
          value
        end
      end

      def self.parse(function, url)
        uri = URI.parse(url.to_s)
        unless uri.is_a?(URI::HTTP) && uri.host && !uri.host.empty?
          raise Puppet::DataBinding::LookupError, "#{function}: the uri must be an absolute http:// or https:// URL"
        end
        uri
      rescue URI::InvalidURIError
        # The message of InvalidURIError repeats the URL, which may hold credentials.
        raise Puppet::DataBinding::LookupError, "#{function}: the uri is not a valid URL"
      end

      def self.timeout_of(options)
        value = options.fetch('timeout', DEFAULT_TIMEOUT)
        unless value.is_a?(Numeric) && value.positive?
          raise Puppet::DataBinding::LookupError, "the 'timeout' option must be a positive number of seconds"
        end
        value
      end

      def self.connection(function, uri, options)
        http = Net::HTTP.new(uri.host, uri.port)
        timeout = timeout_of(options)
        http.open_timeout = timeout
        http.read_timeout = timeout
        http.write_timeout = timeout if http.respond_to?(:write_timeout=)
        if uri.scheme == 'https'
          http.use_ssl = true
          http.verify_mode = options['ssl_verify'] == false ? OpenSSL::SSL::VERIFY_NONE : OpenSSL::SSL::VERIFY_PEER
          http.ca_file = options['ssl_ca_cert'] if options['ssl_ca_cert']
          if options['ssl_cert'] && options['ssl_key']
            http.cert = OpenSSL::X509::Certificate.new(File.read(options['ssl_cert']))
            http.key = OpenSSL::PKey.read(File.read(options['ssl_key']))
          end
        end
        http
      rescue OpenSSL::OpenSSLError, SystemCallError => e
        raise Puppet::DataBinding::LookupError, "#{function}: cannot set up TLS for #{redact(uri)}: #{e.message}"
      end

      def self.parse_object(function, shown, body)
        data = JSON.parse(body.to_s)
        fail_with(function, shown, "the response is JSON but not an object (#{data.class})") unless data.is_a?(Hash)
        data
      rescue JSON::ParserError
        fail_with(function, shown, 'the response is not valid JSON')
      end

      # The server's reason: the `error` field of a JSON body, else the first line of a text body.
      def self.reason(body)
        text = body.to_s
        begin
          parsed = JSON.parse(text)
          text = parsed['error'].to_s if parsed.is_a?(Hash) && parsed['error']
        rescue JSON::ParserError
          text = text.lines.first.to_s
        end
        text = text.strip
        return '' if text.empty?

        text = "#{text[0, MAX_REASON]}..." if text.length > MAX_REASON
        ": #{text}"
      end

      def self.fail_with(function, shown, what)
        raise Puppet::DataBinding::LookupError, "#{function}: GET #{shown} failed: #{what}"
      end
    end
  end
end
