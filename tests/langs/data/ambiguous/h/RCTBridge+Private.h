#import <Foundation/Foundation.h>

NS_ASSUME_NONNULL_BEGIN

@protocol RCTBridgeDelegate;

@interface RCTBridge (Private)
- (void)enqueueJSCall:(NSString *)module method:(NSString *)method args:(NSArray *)args;
@end

NS_ASSUME_NONNULL_END
