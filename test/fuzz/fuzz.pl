#!/usr/bin/perl
# fuzz.pl -- kam's seeded fuzz driver (plain Perl 5, no modules beyond the core).
#
#   fuzz.pl gen CATALOG.tsv SEED CALLS OUT.sql MAP.tsv [NAMES.txt [KNOWN.tsv]]
#       Writes CALLS statements, one per line, that call the entries of the
#       catalog (test/fuzz/catalog.sql: every kam function, aggregate, window
#       function and view) round-robin in a seeded shuffled order, with random
#       and extreme arguments: NULL, NaN, +-Infinity, 0, -0, negative, 1e308,
#       5e-324, huge integers, infinite and far dates, random text, empty and
#       single-row groups, big groups, unsorted and framed windows, aggregates
#       used as window functions, kam-typed arguments built by nested kam calls
#       or from random text.  NAMES.txt holds extra words for text arguments
#       (setting names, column and table names).  MAP.tsv gets "line<TAB>entry".
#       Entries KNOWN.tsv lists with a statement timeout (57014) are not called
#       while the table of rejected rows is bound.
#   fuzz.pl check MAP.tsv PSQL.stderr DOCS [KNOWN.tsv]
#       Reads psql's stderr (VERBOSITY verbose), attributes every error to its
#       call, prints a per-entry summary and exits 1 when a call crashed the
#       backend, ran into the statement timeout, raised class XX, raised P0001
#       (a RAISE without an error code) or raised a SQLSTATE that no
#       "SQLSTATE" table of the documentation documents.  DOCS is the
#       repository's root (its README.md and doc/*.md are read) or one
#       markdown file.
#   fuzz.pl codes DOCS
#       Prints the documented SQLSTATEs (the same parser), comma-separated:
#       what test/fuzz/binfuzz.c accepts.
use strict;
use warnings;

# ---------------------------------------------------------------------------
# generation
# ---------------------------------------------------------------------------
my @entries;    # hashes: kind name types[] cats[] argnames[] ndefaults variadic aggkind ndirect rettype
my %by_rettype; # type name -> entries returning it (for nested kam-typed arguments)
my @words = qw(day week month quarter year orders customers visits customer_id ordered_at
  amount margin name account_manager visited_at as_of period rfm_period churn_after
  fuzz.orders fuzz.customers fuzz.visits kam.settings pg_class);

sub pick { return $_[int(rand(scalar @_))]; }
sub chance { return rand() < $_[0]; }

sub quote {
	my ($s) = @_;
	$s =~ s/'/''/g;
	return "'$s'";
}

sub random_text {
	my $r = rand();
	return '' if $r < 0.08;
	return pick(@words) if $r < 0.45;
	my @alphabet = ('a' .. 'z', 'A' .. 'Z', '0' .. '9', ' ', '-', '_', '.', ',', ':', '(', ')', '{',
		'}', '"', "'", '\\', '%', '$', '[', ']', "\x{e9}", "\x{20ac}", "\x{1f600}");
	my $len = chance(0.05) ? 2000 + int(rand(8000)) : 1 + int(rand(24));
	my $s = '';
	$s .= pick(@alphabet) for 1 .. $len;
	return $s;
}

my @float_specials = ("'NaN'", "'Infinity'", "'-Infinity'", '0', '-0', '1', '-1', '0.5', '1e308',
	'-1e308', '5e-324', '1e-300', '2', '365', '1e15');
my @int_specials = ('0', '1', '-1', '2', '7', '12', '52', '365', '1000', '2147483647', '-2147483648');
my @bigint_specials = (@int_specials, '9223372036854775807', '-9223372036854775808', '1000000000000');
my @date_specials = ("'infinity'", "'-infinity'", "'2025-12-31'", "'2023-01-01'", "'2024-02-29'",
	"'1900-01-01'", "'2100-01-01'", "'4713-01-01 BC'", "'5874897-12-31'", "'2030-06-15'");
my @ts_specials = ("'infinity'", "'-infinity'", "'2025-12-31 23:59:59.999999+00'", "'2023-01-01 00:00+00'",
	"'2024-02-29 12:00+00'", "'1900-01-01'", "'294276-12-31 23:59:59+00'", "'4713-11-24 BC'",
	"'2030-06-15'", "'2025-12-31'");

sub rand_date {
	my ($y, $m, $d) = (1990 + int(rand(50)), 1 + int(rand(12)), 1 + int(rand(28)));
	return sprintf("'%04d-%02d-%02d'", $y, $m, $d);
}

# literal TYPE CATEGORY DEPTH: an SQL expression of type TYPE (cast explicitly).
sub literal {
	my ($type, $cat, $depth) = @_;
	return "NULL::$type" if chance(0.08);
	my ($tc, $tt, $elem) = split /:/, $cat, 3;
	my $v;
	if ($type eq 'double precision' || $type eq 'real' || $type eq 'numeric') {
		if (chance(0.45)) { $v = pick(@float_specials); }
		elsif (chance(0.5)) { $v = sprintf('%.6g', (rand() - 0.3) * 10**int(rand(8))); }
		else { $v = sprintf('%.17g', rand() * pick(1, 1e-10, 1e10, 1e300)); }
		$v = "'$v'" if $v !~ /^'/;
		$v = "'NaN'" if $type eq 'numeric' && $v =~ /Infinity/ && chance(0.5);
		$v = "'1e1000'" if $type eq 'numeric' && chance(0.05);
	}
	elsif ($type eq 'integer' || $type eq 'smallint') {
		$v = chance(0.5) ? pick(@int_specials) : int((rand() - 0.2) * 10**int(rand(6)));
		$v = pick('0', '-1', '1', '32767', '-32768', '12') if $type eq 'smallint';
		$v = "'$v'";
	}
	elsif ($type eq 'bigint') {
		$v = "'" . (chance(0.5) ? pick(@bigint_specials) : int((rand() - 0.2) * 10**int(rand(12)))) . "'";
	}
	elsif ($type eq 'date') {
		$v = chance(0.5) ? pick(@date_specials) : rand_date();
	}
	elsif ($type =~ /^timestamp/) {
		$v = chance(0.5) ? pick(@ts_specials) : rand_date();
	}
	elsif ($type eq 'interval') {
		$v = quote(pick('1 day', '-1 day', '0', '1 month', '1 year', '1000000 years', '-178000000 years',
				'1 second', '7 days', '1 mon -30 days'));
	}
	elsif ($type eq 'boolean') {
		$v = pick("'true'", "'false'");
	}
	elsif ($type eq 'regtype') {
		$v = quote(pick('integer', 'text', 'date', 'double precision', 'numeric', 'timestamp with time zone', 'bigint', 'money'));
	}
	elsif ($type eq 'regclass') {
		$v = quote(pick('fuzz.orders', 'fuzz.customers', 'fuzz.visits', 'kam.settings', 'pg_class',
				'pg_catalog.pg_am', 'kam.orders', 'kam.customer_summary'));
	}
	elsif ($type eq 'jsonb' || $type eq 'json') {
		$v = quote(pick('{}', '[]', 'null', '1', '{"a": 1}', '{"customer": "customer_id"}', '"x"'));
	}
	elsif ($tc eq 'A') {
		my $n = chance(0.1) ? 0 : chance(0.05) ? 5000 : 1 + int(rand(8));
		if ($n > 100) {
			return "(SELECT pg_catalog.array_agg(" . series_value($elem, 'g') . ") FROM pg_catalog.generate_series(1, $n) g)::$type";
		}
		my @el;
		for (1 .. $n) {
			my $x = literal($elem, 'X:b', $depth + 1);
			push @el, $x;
		}
		return "ARRAY[" . join(', ', @el) . "]::$type" if $n;
		return "'{}'::$type";
	}
	elsif ($tc eq 'U' || $tt eq 'c' || $tt eq 'e' || $tt eq 'r' || $tt eq 'd') {
		# a kam (or other user) type: the result of a nested call, or random text
		my $makers = $by_rettype{$type};
		if ($makers && $depth < 2 && chance(0.6)) {
			my $e = pick(@$makers);
			return '(' . call_sql($e, $depth + 1) . ")::$type";
		}
		$v = quote(random_text());
	}
	else {
		# text, name, varchar, cstring, char, and anything else: random text
		$v = quote(random_text());
	}
	$type = 'double precision' if $type =~ /^any/;
	return "$v\::$type";
}

# series_value TYPE COL: a per-row expression of TYPE over integer column COL,
# for big groups (deterministic, with some awkward values mixed in).
sub series_value {
	my ($type, $g) = @_;
	my $k = 2 + int(rand(50));
	if ($type eq 'double precision' || $type eq 'real' || $type eq 'numeric') {
		my $odd = pick("'NaN'", "'Infinity'", '-1', '0', '1e308');
		return "(CASE WHEN $g % 997 = 0 AND " . (chance(0.3) ? 'true' : 'false')
		  . " THEN $odd ELSE ($g * 7919 % 10007) / 7.0 - " . int(rand(100)) . " END)::$type";
	}
	return "($g % $k)::$type" if $type =~ /^(integer|bigint|smallint)$/;
	return "('2023-01-01'::date + ($g * 7919 % 1095))::$type" if $type eq 'date';
	return "('2023-01-01 00:00+00'::timestamptz + ($g * 7919 % 1095) * interval '1 day')::$type"
	  if $type =~ /^timestamp/;
	return "('c' || ($g % $k))::$type" if $type =~ /^(text|character varying|name)$/;
	return literal($type, 'X:b', 2);
}

# the columns v.cN whose type has a default ordering (built-in scalar types)
sub sortable_columns {
	my ($types, $cats) = @_;
	return map { "v.c" . ($_ + 1) } grep { $cats->[$_] =~ /^[NSDTB]:b/ } 0 .. $#$types;
}

sub arglist {
	my ($e, $depth, $exprs) = @_;
	my @a = @$exprs;
	# sometimes leave out trailing arguments that have defaults
	if ($e->{ndefaults} && chance(0.3)) {
		my $drop = 1 + int(rand($e->{ndefaults}));
		splice(@a, -$drop) if $drop <= @a;
	}
	if ($e->{variadic} && @a && chance(0.5)) {
		$a[-1] = "VARIADIC $a[-1]";
	}
	return join(', ', @a);
}

# rows N TYPES CATS: a FROM clause with N rows, columns g (group key) and c1..ck.
sub rows {
	my ($n, $types, $cats) = @_;
	my $k = scalar @$types;
	my @cols = ('gk', map { "c$_" } 1 .. $k);
	if ($n > 300) {
		my @sel = ('(g % ' . (1 + int(rand(20))) . ') AS gk');
		push @sel, series_value($types->[$_ - 1], 'g') . " AS c$_" for 1 .. $k;
		return "(SELECT " . join(', ', @sel) . " FROM pg_catalog.generate_series(1, $n) g) v";
	}
	if ($n == 0) {
		my @sel = ('0 AS gk');
		push @sel, "NULL::$types->[$_ - 1] AS c$_" for 1 .. $k;
		return "(SELECT " . join(', ', @sel) . " WHERE false) v";
	}
	my @rows;
	for my $r (1 .. $n) {
		my @vals = (int(rand(3)));
		push @vals, literal($types->[$_ - 1], $cats->[$_ - 1], 2) for 1 .. $k;
		push @rows, '(' . join(', ', @vals) . ')';
	}
	return "(VALUES " . join(', ', @rows) . ") v(" . join(', ', @cols) . ")";
}

sub group_size {
	my $r = rand();
	return 0 if $r < 0.12;
	return 1 if $r < 0.30;
	return 2 + int(rand(9)) if $r < 0.75;
	return 20 + int(rand(150)) if $r < 0.92;
	return 1000 + int(rand(20000));
}

# call_sql ENTRY DEPTH: a SELECT that calls the entry once.
sub call_sql {
	my ($e, $depth) = @_;
	my @types = @{ $e->{types} };
	my @cats = @{ $e->{cats} };
	if ($e->{kind} eq 'v') {
		return "SELECT pg_catalog.count(*), pg_catalog.md5(pg_catalog.string_agg(t::text, '|' ORDER BY t::text)) FROM $e->{name} t";
	}
	if ($e->{kind} eq 'f') {
		my @a = map { literal($types[$_], $cats[$_], $depth) } 0 .. $#types;
		my $call = "$e->{name}(" . arglist($e, $depth, \@a) . ")";
		return $e->{retset} ? "SELECT * FROM $call LIMIT 1000" : "SELECT $call";
	}
	# aggregate or window function: each argument is a per-row column or a constant
	my $n = group_size();
	$n = 1 + int(rand(5)) if $depth > 0 && $n > 300;
	my @a;
	for my $i (0 .. $#types) {
		my $direct = $e->{aggkind} =~ /[oh]/ && $i < $e->{ndirect};
		if (!$direct && chance(0.7)) { push @a, 'v.c' . ($i + 1); }
		else { push @a, literal($types[$i], $cats[$i], $depth + 1); }
	}
	my $from = rows($n, \@types, \@cats);
	# an aggregate as a window function computes its final function once per
	# row: only over small groups (a running model fit over 2,000 rows is
	# 2,000 fits, slow by request, not by a fault)
	if ($e->{kind} eq 'w' || ($e->{aggkind} eq 'n' && $depth == 0 && $n <= 30 && chance(0.3))) {
		my $call = "$e->{name}(" . join(', ', @a) . ")";
		my @sortable = sortable_columns(\@types, \@cats);
		my $order = pick('', 'ORDER BY v.gk', map { ("ORDER BY $_", "ORDER BY $_ DESC NULLS LAST") } @sortable);
		my $part = chance(0.5) ? 'PARTITION BY v.gk' : '';
		my $frame = $order && chance(0.3)
		  ? pick(' ROWS BETWEEN 1 PRECEDING AND CURRENT ROW', ' ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING',
			' RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING', ' ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW')
		  : '';
		# a big partition gives as many results as rows: count them rather than
		# ship them all to the client
		return "SELECT pg_catalog.count(w.w) FROM (SELECT $call OVER ($part $order$frame) AS w FROM $from) w" if $n > 300;
		return "SELECT $call OVER ($part $order$frame) FROM $from";
	}
	my $call;
	if ($e->{aggkind} =~ /[oh]/) {
		my @d = @a[0 .. $e->{ndirect} - 1];
		my @o = @a[$e->{ndirect} .. $#a];
		$call = "$e->{name}(" . join(', ', @d) . ") WITHIN GROUP (ORDER BY " . join(', ', @o) . ")";
	}
	else {
		my @sortable = sortable_columns(\@types, \@cats);
		my $ord = @sortable && chance(0.15) ? ' ORDER BY ' . pick(@sortable) : '';
		my $filter = chance(0.1) ? ' FILTER (WHERE v.gk <> 1)' : '';
		$call = "$e->{name}(" . join(', ', @a) . "$ord)$filter";
		$call = "$e->{name}(*)" unless @a;
	}
	return "SELECT $call FROM $from" if $depth > 0;
	return chance(0.3) ? "SELECT v.gk, $call FROM $from GROUP BY v.gk" : "SELECT $call FROM $from";
}

sub gen {
	my ($catalog, $seed, $calls, $out, $map, $names, $knownfile) = @_;
	# entries with a known statement timeout over the rejected-rows table are
	# not called while that table is bound (each call would wait for the timeout)
	my %slow_on_bad;
	if ($knownfile && open(my $k, '<', $knownfile)) {
		while (<$k>) {
			my ($e, $code) = split /\t/;
			$slow_on_bad{$e} = 1 if defined $code && $code eq '57014';
		}
		close $k;
	}
	my $bad_bound = 0;
	srand($seed);
	open(my $c, '<', $catalog) or die "$catalog: $!\n";
	while (my $line = <$c>) {
		chomp $line;
		next if $line eq '';
		my @f = split /\t/, $line, -1;
		my %e = (kind => $f[0], name => $f[1], types => [ split /;/, $f[2] ], cats => [ split /;/, $f[3] ],
			argnames => [ split /;/, $f[4] ], ndefaults => $f[5], variadic => $f[6], aggkind => $f[7],
			ndirect => $f[8], rettype => $f[9], retset => ($f[10] // '') eq 't');
		$e{kind} = 'f' if $e{kind} eq 'p';
		push @entries, \%e;
		push @{ $by_rettype{ $e{rettype} } }, \%e if $e{kind} ne 'v' && $e{rettype} =~ /^kam\./;
	}
	close $c;
	die "empty catalog\n" unless @entries;
	if ($names && open(my $n, '<', $names)) {
		while (<$n>) { chomp; push @words, $_ if $_ ne ''; }
		close $n;
	}
	open(my $o, '>:encoding(UTF-8)', $out) or die "$out: $!\n";
	open(my $m, '>', $map) or die "$map: $!\n";
	print $o "\\set VERBOSITY verbose\n";
	print $o "\\set ON_ERROR_STOP 0\n";
	my $line = 2;
	my @order;
	for (my $i = 1; $i <= $calls; $i++) {
		@order = shuffle(0 .. $#entries) unless @order;
		my $e = $entries[ shift @order ];
		if ($bad_bound && $slow_on_bad{"$e->{kind} $e->{name}"}) {
			$i--;
			next;
		}
		my $sql = call_sql($e, 0);
		$sql =~ s/\n/ /g;
		print $o "$sql;\n";
		$line++;
		print $m "$line\t$e->{kind} $e->{name}\n";
		# put the canonical bindings and settings back now and then, so the
		# views are read over the fuzz tables rather than whatever the random
		# calls of bind_*/unbind/set left behind
		if ($i % 400 == 0) {
			my $orders = $i % 1600 == 0 ? 'fuzz.orders_bad' : 'fuzz.orders';
			$bad_bound = $i % 1600 == 0;
			print $o "SELECT kam.reset(s.name) FROM kam.settings s WHERE s.name <> 'as_of'; SELECT kam.set('as_of', '2025-12-31'); "
			  . "SELECT kam.bind_customers('fuzz.customers', 'customer_id', 'name', 'account_manager'), "
			  . "kam.bind_orders('$orders', 'customer_id', 'ordered_at', 'amount', 'margin'), "
			  . "kam.bind_visits('fuzz.visits', 'customer_id', 'visited_at');\n";
			$line++;
			print $m "$line\treset bindings\n";
		}
	}
	close $o;
	close $m;
}

sub shuffle {
	my @a = @_;
	for (my $i = $#a; $i > 0; $i--) {
		my $j = int(rand($i + 1));
		@a[ $i, $j ] = @a[ $j, $i ];
	}
	return @a;
}

# ---------------------------------------------------------------------------
# checking
# ---------------------------------------------------------------------------

# The documentation: DOCS itself when it is a file, else DOCS/README.md and
# DOCS/doc/*.md (the per-capability pages hold the SQLSTATE tables).
sub doc_files {
	my ($docs) = @_;
	return ($docs) unless -d $docs;
	my @files = ("$docs/README.md", sort glob("$docs/doc/*.md"));
	-f $_ or die "$_: not found\n" for $files[0];
	return @files;
}

# The SQLSTATEs documented: every code in the rows of a markdown table whose
# header names SQLSTATE, in any of the documentation files.
sub documented_codes {
	my ($docs) = @_;
	my %codes;
	for my $file (doc_files($docs)) {
		open(my $r, '<', $file) or die "$file: $!\n";
		my $in = 0;
		while (my $l = <$r>) {
			if ($l !~ /^\s*\|/) { $in = 0; next; }
			if ($l =~ /SQLSTATE/i) { $in = 1; next; }
			next unless $in;
			$codes{$1} = 1 while $l =~ /\b((?:[0-5][0-9A-Z]|72|F0|HV|P0)[0-9A-Z]{3})\b/g;
		}
		close $r;
	}
	return \%codes;
}

sub check {
	my ($mapfile, $errfile, $docs, $knownfile) = @_;
	my $allowed = documented_codes($docs);
	my %known;
	if ($knownfile && open(my $k, '<', $knownfile)) {
		while (<$k>) {
			next if /^#/ || !/\S/;
			my ($e, $code) = split /\t/;
			$known{"$e $code"} = 1;
		}
		close $k;
	}
	my %known_seen;
	my (%entry_of, %calls, %errs, @bad);
	open(my $m, '<', $mapfile) or die "$mapfile: $!\n";
	while (<$m>) {
		chomp;
		my ($l, $e) = split /\t/;
		$entry_of{$l} = $e;
		$calls{$e}++;
	}
	close $m;
	open(my $f, '<', $errfile) or die "$errfile: $!\n";
	my ($last, $crashed) = (undef, 0);
	while (my $l = <$f>) {
		if ($l =~ /^psql:.*?:(\d+): (ERROR|FATAL|PANIC):\s+([0-9A-Z]{5}): (.*)$/) {
			my ($line, $code, $msg) = ($1, $3, $4);
			my $e = $entry_of{$line} // "line $line";
			$errs{$e}{$code}++;
			$last = undef;
			if ($known{"$e $code"}) {
				$known_seen{"$e $code"}++;
			}
			elsif ($code =~ /^XX/ || $code eq 'P0001' || $code eq '57014' || !$allowed->{$code}) {
				my $why = $code =~ /^XX/ ? 'internal error (class XX)'
				  : $code eq 'P0001' ? 'RAISE without an error code'
				  : $code eq '57014' ? 'statement timeout' : 'SQLSTATE not documented (README.md, doc/*.md)';
				$last = { entry => $e, line => $line, code => $code, msg => $msg, why => $why };
				push @bad, $last;
			}
		}
		elsif ($l =~ /^LOCATION:\s+(.*)$/ && $last) {
			$last->{location} = $1;
		}
		elsif ($l =~ /server closed the connection unexpectedly|connection to server was lost|terminated abnormally/) {
			$crashed = 1;
		}
	}
	close $f;
	my ($total, $nerr) = (0, 0);
	printf "%-50s %7s %7s  %s\n", 'entry', 'calls', 'errors', 'SQLSTATEs raised';
	for my $e (sort keys %calls) {
		my $ne = 0;
		$ne += $_ for values %{ $errs{$e} // {} };
		$total += $calls{$e};
		$nerr += $ne;
		my $codes = join(' ', map { "$_:$errs{$e}{$_}" } sort keys %{ $errs{$e} // {} });
		printf "%-50s %7d %7d  %s\n", $e, $calls{$e}, $ne, $codes;
	}
	printf "%d calls, %d errors, documented SQLSTATEs: %s\n", $total, $nerr, join(' ', sort keys %$allowed);
	# one line per (entry, SQLSTATE): how often, and the first call that raised it
	my (%first, %count);
	for my $b (@bad) {
		my $k = "$b->{entry} $b->{code}";
		$first{$k} //= $b;
		$count{$k}++;
	}
	for my $k (sort keys %first) {
		my $b = $first{$k};
		my $msg = length($b->{msg}) > 160 ? substr($b->{msg}, 0, 160) . '...' : $b->{msg};
		printf "BAD %s: %s %s, %d times, first at line %d: %s%s\n", $b->{entry}, $b->{code}, $b->{why}, $count{$k},
		  $b->{line}, $msg, $b->{location} ? " (at $b->{location})" : '';
	}
	printf "KNOWN %s (%d times, listed in the known-findings file)\n", $_, $known_seen{$_} for sort keys %known_seen;
	print "BAD: the connection to the server was lost (a backend crashed)\n" if $crashed;
	return (@bad || $crashed) ? 1 : 0;
}

# (dispatch last: the file-level value pools above must be initialised first)
my $mode = shift @ARGV // '';
if ($mode eq 'gen') { gen(@ARGV); }
elsif ($mode eq 'check') { exit(check(@ARGV)); }
elsif ($mode eq 'codes') { print join(',', sort keys %{ documented_codes($ARGV[0] // die "usage: fuzz.pl codes DOCS\n") }), "\n"; }
else { die "usage: fuzz.pl gen|check|codes ...\n"; }
