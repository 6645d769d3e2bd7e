/**
 * Licensed to the Apache Software Foundation (ASF) under one
 * or more contributor license agreements.  See the NOTICE file
 * distributed with this work for additional information
 * regarding copyright ownership.  The ASF licenses this file
 * to you under the Apache License, Version 2.0 (the
 * "License"); you may not use this file except in compliance
 * with the License.  You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

package org.apache.zookeeper.client;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ZooKeeper 3.4.14's StaticHostProvider with one change, for JDK 14 and later (ZOOKEEPER-3779): the host of an
 * unresolved address is taken with {@link InetSocketAddress#getHostString()}. The original cut it out of
 * {@code toString()}, whose format for unresolved addresses changed in JDK 14 ("host/<unresolved>:port"), so the client
 * tried to resolve "host/<unresolved>" and never connected. Same API, same order of servers, same resolution on every
 * {@code next()}; nothing on the wire changes. Compiled against the 3.4.14 jar and put before it on the class path.
 */
public final class StaticHostProvider implements HostProvider {
    public interface Resolver {
        InetAddress[] getAllByName(String name) throws UnknownHostException;
    }

    private static final Logger LOG = LoggerFactory.getLogger(StaticHostProvider.class);

    private final List<InetSocketAddress> serverAddresses = new ArrayList<InetSocketAddress>(5);

    private int lastIndex = -1;

    private int currentIndex = -1;

    private final Resolver resolver;

    public StaticHostProvider(Collection<InetSocketAddress> serverAddresses) {
        this(serverAddresses, new Resolver() {
            @Override
            public InetAddress[] getAllByName(String name) throws UnknownHostException {
                return InetAddress.getAllByName(name);
            }
        });
    }

    public StaticHostProvider(Collection<InetSocketAddress> serverAddresses, Resolver resolver) {
        this.resolver = resolver;
        if (serverAddresses.isEmpty()) {
            throw new IllegalArgumentException("A HostProvider may not be empty!");
        }
        this.serverAddresses.addAll(serverAddresses);
        Collections.shuffle(this.serverAddresses);
    }

    /** A resolved address: its literal IP (no reverse lookup) or its host name; unresolved: the name it was given. */
    private static String hostString(InetSocketAddress addr) {
        if (addr == null) {
            return "";
        }
        if (!addr.isUnresolved()) {
            InetAddress ia = addr.getAddress();
            return ia.toString().startsWith("/") ? ia.getHostAddress() : addr.getHostName();
        }
        return addr.getHostString();
    }

    public int size() {
        return serverAddresses.size();
    }

    public InetSocketAddress next(long spinDelay) {
        currentIndex = ++currentIndex % serverAddresses.size();
        if (currentIndex == lastIndex && spinDelay > 0) {
            try {
                Thread.sleep(spinDelay);
            } catch (InterruptedException e) {
                LOG.warn("Unexpected exception", e);
            }
        } else if (lastIndex == -1) {
            // no sleep before the very first connection attempt
            lastIndex = 0;
        }

        InetSocketAddress curAddr = serverAddresses.get(currentIndex);
        try {
            List<InetAddress> resolved =
                new ArrayList<InetAddress>(Arrays.asList(this.resolver.getAllByName(hostString(curAddr))));
            if (resolved.isEmpty()) {
                return curAddr;
            }
            Collections.shuffle(resolved);
            return new InetSocketAddress(resolved.get(0), curAddr.getPort());
        } catch (UnknownHostException e) {
            return curAddr;
        }
    }

    @Override
    public void onConnected() {
        lastIndex = currentIndex;
    }
}
