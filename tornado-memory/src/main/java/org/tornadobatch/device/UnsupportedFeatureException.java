package org.tornadobatch.device;

/** A runtime was asked for something it does not offer (e.g. stream-ordered allocation, a kernel language). */
public class UnsupportedFeatureException extends DeviceException {
    private static final long serialVersionUID = 1L;

    /** Runtime {@code runtime} cannot do {@code feature}; {@code remedy} says what to do instead. */
    public UnsupportedFeatureException(String runtime, String feature, String remedy) {
        super("the " + runtime + " runtime does not offer " + feature + "; " + remedy);
    }
}
