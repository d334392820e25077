Sys: module
{
	PATH:	con "$Sys";
	print:	fn(s: string, *): int;
	open:	fn(s: string, mode: int): ref FD;
};
