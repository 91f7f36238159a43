# An Outlook item (.msg) written by an independent compound-file writer (Perl's OLE::Storage_Lite, Debian package
# libole-storage-lite-perl): streams in the mini stream and in the FAT, and an attachment storage. For tests.
use strict; use warnings; use OLE::Storage_Lite; use Encode;
my $u = sub { Encode::encode('UTF-16LE', $_[0]) };
my $name = sub { OLE::Storage_Lite::Asc2Ucs($_[0]) };
my @streams = (
  OLE::Storage_Lite::PPS::File->new($name->('__substg1.0_0037001F'), $u->("Subject via Storage_Lite")),
  OLE::Storage_Lite::PPS::File->new($name->('__substg1.0_1000001F'), $u->("Body: https://perl-lure.evil.example/x " . ("padding " x 700))),
  OLE::Storage_Lite::PPS::File->new($name->('__substg1.0_007D001F'), $u->("Received: from perl.evil.example ([203.0.113.99])\r\n\r\n")),
  OLE::Storage_Lite::PPS::File->new($name->('__properties_version1.0'), "\0" x 32),
);
my $att = OLE::Storage_Lite::PPS::Dir->new($name->('__attach_version1.0_#00000000'), undef, undef, [
  OLE::Storage_Lite::PPS::File->new($name->('__substg1.0_3707001F'), $u->("inner.txt")),
  OLE::Storage_Lite::PPS::File->new($name->('__substg1.0_37010102'), "x" x 5000),
  OLE::Storage_Lite::PPS::File->new($name->('__properties_version1.0'), "\0" x 8),
]);
my $root = OLE::Storage_Lite::PPS::Root->new(undef, undef, [@streams, $att]);
$root->save($ARGV[0]);
