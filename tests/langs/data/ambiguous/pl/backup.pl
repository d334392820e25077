#!/usr/bin/perl
use strict;
use warnings;
use File::Copy;

my $src = shift @ARGV or die "usage: $0 FILE\n";
my $dst = "$src.bak";
copy($src, $dst) or die "copy failed: $!";
print "saved $dst\n";
