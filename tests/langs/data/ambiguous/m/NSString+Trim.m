#import "NSString+Trim.h"

@implementation NSString (Trim)
- (NSString *)trimmed {
    return [self stringByTrimmingCharactersInSet:[NSCharacterSet whitespaceCharacterSet]];
}
@end
